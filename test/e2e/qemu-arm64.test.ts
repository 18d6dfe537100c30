/**
 * `--qemu-arch aarch64` with a real arm64 VM, emulated (tcg) on this x86 machine.
 *
 * Always: the driver's own start of an arm64 machine whose disk is blank, up to the firmware —
 * the virt machine, the CPU, the UEFI code and the machine's own variable store come up and the
 * firmware tries to boot (no OS: SSH never answers, so the wait is cut once that is seen).
 *
 * Then the arm64 Debian image the test setup builds (test/helpers/vm-image-arm64.ts), served
 * over loopback HTTP with its digest, booted through UEFI. An emulated boot takes minutes on two shared cores, so one VM serves every check, and
 * the whole test is bounded.
 */
import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {mkdir, readdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {pipeline} from 'node:stream/promises';
import {QemuDriver} from '../../source/engine/drivers/qemu/driver.js';
import {varsFile} from '../../source/engine/drivers/qemu/firmware.js';
import definition from '../../source/engine/drivers/qemu/index.js';
import {defaultValue} from '../../source/engine/options.js';
import {freePort} from '../../source/engine/vm/ports.js';
import {isAlive} from '../../source/engine/pid-files.js';
import {builtCli} from '../helpers/cli.js';
import {realTest, toolAvailable} from '../helpers/real.js';
import {httpServer} from '../helpers/servers.js';
import {temporaryDir} from '../helpers/store.js';
import {busyboxArm64Tar, ensureVmArm64Image, vmArm64TestsAvailable} from '../helpers/vm-image-arm64.js';

/** Debian's arm64 UEFI firmware (qemu-efi-aarch64), the one the driver finds first here. */
const aavmf = {code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd'};
const withArmFirmware = realTest(
	toolAvailable('qemu-system-aarch64', 'apt-get install qemu-system-arm'),
	toolAvailable('qemu-img', 'apt-get install qemu-utils'),
	fs.existsSync(aavmf.code) && fs.existsSync(aavmf.vars) ? {ok: true} : {ok: false, why: 'no arm64 UEFI firmware (apt-get install qemu-efi-aarch64)'},
);

const withArmVm = realTest(vmArm64TestsAvailable());

/** The bound on the whole test: create, the checks, stop, start and rm, all emulated. */
const boundMinutes = 40;

type Ran = {code: number; output: string};

/** A line run in bash as a user would, `machinist` first on the PATH; stdout and stderr together. */
async function run(env: NodeJS.ProcessEnv, line: string): Promise<Ran> {
	return new Promise(resolve => {
		execFile('bash', ['-c', `${line} 2>&1`], {env, timeout: boundMinutes * 60_000, maxBuffer: 16 * 1024 * 1024}, (error, stdout) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout});
		});
	});
}

/** QEMU processes of a machine directory, read from /proc. */
async function armQemuCount(machineDir: string): Promise<number> {
	let count = 0;
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
		if (commandLine.includes('qemu-system-aarch64') && commandLine.includes(machineDir)) count++;
	}

	return count;
}

withArmVm('create --qemu-arch aarch64 boots an emulated arm64 VM whose Docker runs arm64 containers; stop, start and rm', async t => {
	t.timeout(boundMinutes * 60_000, `an emulated arm64 VM is bounded to ${boundMinutes} minutes`);
	const began = Date.now();
	const seconds = (since: number) => Math.round((Date.now() - since) / 1000);
	const image = await ensureVmArm64Image();
	const tar = await busyboxArm64Tar();
	const digest = createHash('sha512');
	await pipeline(fs.createReadStream(image), digest);
	const {base} = await httpServer(t, (request, response) => {
		if (request.url !== '/debian-12-test-arm64.qcow2') {
			response.writeHead(404).end();
			return;
		}

		response.writeHead(200, {'content-length': fs.statSync(image).size});
		fs.createReadStream(image).pipe(response);
	});

	const root = await temporaryDir(t, 'mqa-');
	const store = path.join(root, 'store');
	const bin = path.join(root, 'bin');
	await mkdir(bin);
	await writeFile(path.join(bin, 'machinist'), `#!/bin/sh\nexec ${process.execPath} ${builtCli} "$@"\n`, {mode: 0o755});
	const env: NodeJS.ProcessEnv = {
		MACHINE_STORAGE_PATH: store,
		HOME: root,
		USER: 'tester',
		SHELL: '/bin/bash',
		MACHINIST_CONFIG_DIR: path.join(root, 'prefs'),
		PATH: `${bin}:${process.env.PATH}`,
		XDG_RUNTIME_DIR: path.join(root, 'run'),
		// Emulated, every wait is many times the native one.
		MACHINIST_QEMU_BOOT_TIMEOUT_MS: String(25 * 60_000),
		MACHINIST_QEMU_DOCKER_TIMEOUT_MS: String(25 * 60_000),
		MACHINIST_QEMU_POWERDOWN_TIMEOUT_MS: String(3 * 60_000),
	};
	await mkdir(String(env.XDG_RUNTIME_DIR), {mode: 0o700});
	t.teardown(async () => {
		await run(env, 'machinist rm -f -y arm');
	});
	const machineDir = path.join(store, 'machines/arm');

	const createdAt = Date.now();
	const create = await run(
		env,
		[
			'machinist create -d qemu --qemu-arch aarch64',
			`--qemu-boot-image ${base}/debian-12-test-arm64.qcow2`,
			`--qemu-boot-image-checksum sha512:${digest.digest('hex')}`,
			'--qemu-no-share --qemu-memory 1536 --qemu-disk-size 4000',
			'arm',
		].join(' '),
	);
	t.log(`create took ${seconds(createdAt)} s`);
	t.is(create.code, 0, create.output);
	t.regex(create.output, /aarch64 is not this computer's architecture \(x86_64\): the VM runs emulated \(tcg\)/);
	t.regex(create.output, /Docker is up and running!/);
	const record = JSON.parse(await readFile(path.join(machineDir, 'config.json'), 'utf8')) as {Driver: {Arch: string; AccelUsed: string}};
	t.like(record.Driver, {Arch: 'aarch64', AccelUsed: 'tcg'});

	const uname = await run(env, 'machinist ssh arm uname -m');
	t.is(uname.output, 'aarch64\n');
	const container = await run(env, `eval "$(machinist env arm)" && docker import ${tar} busybox:arm64 >/dev/null && docker run --rm busybox:arm64 uname -m`);
	t.is(container.output, 'aarch64\n', 'an arm64 container runs in the VM');

	const stop = await run(env, 'machinist stop arm');
	t.is(stop.code, 0, stop.output);
	t.is((await run(env, 'machinist status arm')).output, 'Stopped\n');
	t.is(await armQemuCount(machineDir), 0);
	t.true(fs.existsSync(path.join(machineDir, 'efi-vars.fd')), 'the UEFI variable store is kept with the stopped machine');

	const startedAt = Date.now();
	const start = await run(env, 'machinist start arm');
	t.log(`start took ${seconds(startedAt)} s`);
	t.is(start.code, 0, start.output);
	t.notRegex(start.output, /runs emulated/, 'the emulation line is said once, at create');
	const again = await run(env, 'eval "$(machinist env arm)" && docker run --rm busybox:arm64 uname -m');
	t.is(again.output, 'aarch64\n', 'the imported image and Docker come back after start');

	const rm = await run(env, 'machinist rm -y arm');
	t.is(rm.code, 0, rm.output);
	t.false(fs.existsSync(machineDir));
	t.is(await armQemuCount(machineDir), 0);
	t.log(`the whole test took ${seconds(began)} s`);
});

/** The bound on reaching the firmware's boot attempts under tcg. */
const firmwareMinutes = 3;

/** What EDK2's boot manager prints once it has tried a boot entry (the blank disk is the first). */
const firmwareBooting = /BdsDxe: failed to load Boot\d{4} "UEFI Misc Device"/;

withArmFirmware('an arm64 machine starts through the driver up to its UEFI firmware trying to boot a blank disk, then stops', async t => {
	t.timeout((firmwareMinutes + 2) * 60_000, `emulated firmware is bounded to ${firmwareMinutes} minutes`);
	const began = Date.now();
	const root = await temporaryDir(t, 'mqf-');
	const store = path.join(root, 'store');
	const machineDir = path.join(store, 'machines', 'fw');
	await mkdir(machineDir, {recursive: true});
	// As create leaves it, but blank: a disk with no OS, and an empty seed.
	const made = await run(
		{PATH: process.env.PATH},
		`qemu-img create -q -f qcow2 ${path.join(machineDir, 'disk.qcow2')} 64M && truncate -s 64K ${path.join(machineDir, 'seed.iso')}`,
	);
	t.is(made.code, 0, made.output);
	const defaults = Object.fromEntries(definition.options.map(spec => [spec.name, defaultValue(spec)]));
	const {config} = definition.fromOptions(
		{IPAddress: '', MachineName: 'fw', SSHUser: '', SSHPort: 0, SSHKeyPath: '', StorePath: store, SwarmMaster: false, SwarmHost: '', SwarmDiscovery: ''},
		{
			...defaults,
			'qemu-arch': 'aarch64',
			'qemu-no-share': true,
			'qemu-memory': 512,
			'qemu-cpu-count': 1,
			'qemu-ssh-port': await freePort(),
			'qemu-engine-port': await freePort(),
		},
	) as QemuDriver;
	const driver = new QemuDriver(config);
	const waiting = new AbortController();
	const context = {
		machineDir,
		env: {PATH: process.env.PATH, XDG_RUNTIME_DIR: path.join(root, 'run')},
		signal: waiting.signal,
		timings: {readyTimeoutMs: firmwareMinutes * 60_000, stopTimeoutMs: 5000},
	};
	await mkdir(context.env.XDG_RUNTIME_DIR, {mode: 0o700});
	t.teardown(async () => driver.kill({...context, signal: undefined}));
	const serial = driver.consoleLog(context);

	// start: the command line create and start build, QEMU daemonized, then the wait for SSH.
	const starting = driver.start(context);
	const startEnded = starting.then(
		() => 'SSH answered, with no OS on the disk',
		(error: unknown) => (error instanceof Error ? error.message : String(error)),
	);
	let log = '';
	while (Date.now() - began < firmwareMinutes * 60_000) {
		log = await readFile(serial, 'utf8').catch(() => '');
		if (firmwareBooting.test(log)) break;
		const ended = await Promise.race([
			startEnded,
			new Promise<undefined>(resolve => {
				setTimeout(() => {
					resolve(undefined);
				}, 2000);
			}),
		]);
		if (ended) t.fail(`start ended before the firmware was seen: ${ended}`);
	}

	t.log(
		`the firmware tried to boot after ${Math.round((Date.now() - began) / 1000)} s; its console:\n${log.replaceAll('\r', '').trim().split('\n').slice(-8).join('\n')}`,
	);
	t.regex(log, /UEFI firmware \(version/, "the firmware's banner is on the serial console");
	t.regex(log, firmwareBooting, `no UEFI boot attempt on the serial console (${serial}) within ${firmwareMinutes} minutes`);
	t.is(await driver.getState({...context, signal: undefined}), 'Running', 'QMP query-status says running');

	const pid = Number((await readFile(path.join(machineDir, 'qemu.pid'), 'utf8')).trim());
	const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
	const after = (flag: string) => commandLine.filter((_, index) => commandLine[index - 1] === flag);
	t.deepEqual(after('-machine'), ['virt']);
	t.deepEqual(after('-cpu'), ['cortex-a72']);
	t.deepEqual(after('-accel'), ['tcg']);
	const vars = path.join(machineDir, varsFile);
	t.deepEqual(
		after('-drive').filter(drive => drive.startsWith('if=pflash')),
		[`if=pflash,format=raw,unit=0,readonly=on,file=${aavmf.code}`, `if=pflash,format=raw,unit=1,file=${vars}`],
	);
	t.false(
		commandLine.some(argument => argument.includes(aavmf.vars)),
		'the system template is not what the firmware writes',
	);
	t.is(fs.statSync(vars).size, fs.statSync(aavmf.vars).size, 'the machine has its own copy of the variable store');

	waiting.abort();
	t.notRegex(await startEnded, /SSH answered/);
	await driver.stop({...context, signal: undefined});
	t.false(isAlive(pid), 'QEMU is gone after stop');
	t.is(await driver.getState({...context, signal: undefined}), 'Stopped');
	t.true(fs.existsSync(vars), 'the variable store stays with the stopped machine');
	t.log(`the whole test took ${Math.round((Date.now() - began) / 1000)} s`);
});
