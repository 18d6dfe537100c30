/**
 * The virtualbox driver against the VBoxManage simulator (test/simulators/vboxmanage), whose VMs
 * are real QEMU VMs (TCG) on a host-only bridge with a DHCP server: create, env, a real
 * `docker run`, stop, start and rm, then a store docker-machine 0.16.2 wrote for a virtualbox
 * machine driven through the same VM. Boots take minutes on a busy 2-core machine, so one
 * test boots three times and the others boot nothing.
 */
import {execFile} from 'node:child_process';
import fs from 'node:fs';
import {cp, mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {builtCli} from '../helpers/cli.js';
import {busyboxImageTar} from '../helpers/hosts.js';
import {commandExists, withLock} from '../helpers/hosts/process.js';
import {realTest} from '../helpers/real.js';
import {fixturesDir, temporaryDir} from '../helpers/store.js';
import {ensureVmRawImage, vmTestsAvailable} from '../helpers/vm-image.js';
import {cleanupSimulator, homeVariable, simulatorBinDir} from '../simulators/vboxmanage/simulator.js';

const withSimulator = realTest(simulatorAvailable());

type Shell = {code: number; stdout: string; stderr: string};

/** The simulator makes bridges, taps, routes and dnsmasq in this computer's namespace: root only. */
function simulatorAvailable(): {ok: true} | {ok: false; why: string} {
	const vm = vmTestsAvailable();
	if (!vm.ok) return vm;
	if (process.getuid?.() !== 0) return {ok: false, why: 'the VBoxManage simulator makes bridges and tap devices, which needs root'};
	if (!commandExists('dnsmasq')) return {ok: false, why: 'the VBoxManage simulator needs: apt-get install -y dnsmasq-base'};
	return {ok: true};
}

/** Bridges named vboxnetN and the 192.168.59/99 ranges are this computer's: one simulator at a time. */
const networkLock = '/run/lock/machinist-vboxmanage-simulator.lock';

type Setup = {root: string; store: string; env: NodeJS.ProcessEnv; vboxHome: string};

async function setup(t: ExecutionContext, options: {simulator?: boolean} = {}): Promise<Setup> {
	const root = await temporaryDir(t, 'mvb-');
	const store = path.join(root, 'store');
	const bin = path.join(root, 'bin');
	const vboxHome = path.join(root, 'vbox');
	await mkdir(bin, {recursive: true});
	await writeFile(path.join(bin, 'machinist'), `#!/bin/sh\nexec ${process.execPath} ${builtCli} "$@"\n`, {mode: 0o755});
	const env: NodeJS.ProcessEnv = {
		MACHINE_STORAGE_PATH: store,
		HOME: root,
		SHELL: '/bin/bash',
		USER: 'tester',
		MACHINIST_CONFIG_DIR: path.join(root, 'prefs'),
		PATH: `${options.simulator === false ? '' : `${simulatorBinDir}:`}${bin}:${process.env.PATH ?? ''}`,
		[homeVariable]: vboxHome,
		MACHINIST_VIRTUALBOX_BOOT_TIMEOUT_MS: '1200000',
	};
	if (options.simulator !== false) {
		// Whatever a failing test left: machines first, then the simulator's VMs, bridges and DHCP servers.
		t.teardown(async () => {
			await shell(env, 'for name in $(machinist ls -q); do machinist rm -f -y "$name"; done');
			await cleanupSimulator(vboxHome);
		});
	}

	return {root, store, env, vboxHome};
}

async function shell(env: NodeJS.ProcessEnv, line: string, timeoutMs = 30 * 60_000): Promise<Shell> {
	return new Promise(resolve => {
		execFile('bash', ['-c', line], {env: {...env}, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

test('without VBoxManage, create says in one line how to install VirtualBox, or to use -d qemu', async t => {
	const {env} = await setup(t, {simulator: false});
	const create = await shell({...env, PATH: path.dirname(process.execPath) + ':/usr/bin:/bin'}, `${process.execPath} ${builtCli} create -d virtualbox vm1`);
	t.is(create.code, 3, create.stderr);
	t.is(
		create.stderr,
		'Error with pre-create check: "VBoxManage not found: install VirtualBox (the package from https://www.virtualbox.org/wiki/Linux_Downloads) and make sure VBoxManage is on the PATH, or use -d qemu"\n',
	);
});

withSimulator.serial(
	'a host-only range VirtualBox refuses fails the create at once, naming /etc/vbox/networks.conf; the interface it made is gone',
	async t => {
		t.timeout(10 * 60_000);
		await withLock(networkLock, async () => {
			const {env} = await setup(t);
			const create = await shell(
				env,
				'machinist create -d virtualbox --virtualbox-boot-image /nonexistent.raw --virtualbox-hostonly-cidr 192.168.99.1/24 old',
			);
			t.is(create.code, 1);
			t.regex(
				create.stderr,
				/VirtualBox refused the host-only range 192\.168\.99\.1\/24: since 6\.1\.28 it allows only 192\.168\.56\.0\/21 unless \/etc\/vbox\/networks\.conf lists the range; add the line "\* 192\.168\.99\.0\/24" to \/etc\/vbox\/networks\.conf, or use --virtualbox-hostonly-cidr 192\.168\.59\.1\/24/,
			);
			t.is((await shell(env, 'VBoxManage list hostonlyifs')).stdout, '', 'the refused interface was removed');
			t.is((await shell(env, 'VBoxManage list vms')).stdout, '', 'no VM was made');
			t.is((await shell(env, 'machinist rm -y old')).code, 0);
		});
	},
);

withSimulator.serial('create -d virtualbox runs docker on the host-only network; stop, start; then a docker-machine store drives the same VM', async t => {
	t.timeout(75 * 60_000);
	// A local file, used in place: the qemu test covers the download, the checksum and the cache they share.
	const image = await ensureVmRawImage();
	const tar = await busyboxImageTar();
	await withLock(networkLock, async () => {
		const {root, store, env, vboxHome} = await setup(t);
		const share = path.join(root, 'share');
		await mkdir(share);
		const started = Date.now();
		const create = await shell(
			env,
			`machinist create -d virtualbox --virtualbox-boot-image ${image} --virtualbox-share-folder ${share} --virtualbox-disk-size 3000 --virtualbox-boot2docker-url https://example.invalid/b2d.iso default`,
		);
		t.log(`create took ${Math.round((Date.now() - started) / 1000)} s`);
		t.is(create.code, 0, create.stdout + create.stderr);
		t.regex(create.stdout, /Docker is up and running!/);
		t.regex(create.stdout, /--virtualbox-boot2docker-url is ignored: boot2docker is gone .* Debian 12 cloud image/);

		const record = JSON.parse(await readFile(path.join(store, 'machines/default/config.json'), 'utf8')) as {Driver: Record<string, unknown>};
		t.like(record.Driver, {
			HostOnlyCIDR: '192.168.59.1/24',
			NatNicType: '82540EM',
			UIType: 'headless',
			CPU: 1,
			Memory: 1024,
			DiskSize: 3000,
			DNSProxy: true,
		});
		const info = (await shell(env, 'VBoxManage showvminfo default --machinereadable')).stdout;
		t.regex(info, /^VMState="running"$/m);
		t.regex(info, new RegExp(String.raw`^Forwarding\(0\)="ssh,tcp,127\.0\.0\.1,${String(record.Driver.SSHPort)},,22"$`, 'm'));
		t.regex(info, /^hostonlyadapter2="vboxnet\d+"$/m);
		t.regex(info, new RegExp(`^SharedFolderPathMachineMapping1="${share}"$`, 'm'), 'the share is registered with VirtualBox');

		const busy = await shell(env, 'VBoxManage modifyvm default --memory 2048');
		t.is(busy.code, 1);
		t.regex(
			busy.stderr,
			/^VBoxManage: error: The machine 'default' is already locked for a session \(or being unlocked\)$/m,
			'a running VM cannot be modified',
		);
		const url = (await shell(env, 'machinist url default')).stdout;
		t.regex(url, /^tcp:\/\/192\.168\.59\.\d+:2376\n$/, 'Docker is reached on the host-only address');
		const run = await shell(
			env,
			`eval "$(machinist env default)" && docker import ${tar} busybox:machinist >/dev/null && docker run --rm busybox:machinist echo hello`,
		);
		t.is(run.code, 0, run.stderr);
		t.is(run.stdout, 'hello\n');

		t.is((await shell(env, 'machinist ssh default "echo kept > marker && sync"')).code, 0);
		const stop = await shell(env, 'machinist stop default');
		t.is(stop.code, 0, stop.stderr);
		t.is((await shell(env, 'machinist status default')).stdout, 'Stopped\n');
		t.regex((await shell(env, 'VBoxManage showvminfo default --machinereadable')).stdout, /^VMState="poweroff"$/m);

		const restarted = Date.now();
		const start = await shell(env, 'machinist start default');
		t.log(`start took ${Math.round((Date.now() - restarted) / 1000)} s`);
		t.is(start.code, 0, start.stdout + start.stderr);
		t.is((await shell(env, 'machinist ssh default cat marker')).stdout, 'kept\n', 'the disk keeps its data');
		const again = await shell(env, 'eval "$(machinist env default)" && docker run --rm busybox:machinist echo again');
		t.is(again.stdout, 'again\n', again.stderr);
		t.is((await shell(env, 'machinist kill default')).code, 0);
		t.is((await shell(env, 'machinist status default')).stdout, 'Stopped\n');

		// docker-machine's record of a virtualbox machine named default, in a store of its own, on the same VM.
		const old = path.join(root, 'dm');
		const oldMachine = path.join(old, 'machines/default');
		await mkdir(oldMachine, {recursive: true});
		await writeFile(
			path.join(oldMachine, 'config.json'),
			(await readFile(path.join(fixturesDir, 'docker-machine-0.16.2-virtualbox/machines/default/config.json'), 'utf8')).replaceAll(
				'/home/u/.docker/machine',
				old,
			),
		);
		await cp(path.join(store, 'certs'), path.join(old, 'certs'), {recursive: true});
		await cp(path.join(store, 'machines/default/id_rsa'), path.join(oldMachine, 'id_rsa'));
		const oldEnv = {...env, MACHINE_STORAGE_PATH: old};
		t.is((await shell(oldEnv, 'machinist status default')).stdout, 'Stopped\n');

		const refused = await shell(oldEnv, 'machinist start default');
		t.is(refused.code, 1);
		t.regex(
			refused.stderr,
			/VirtualBox refused the host-only range 192\.168\.99\.1\/24: .*add the line "\* 192\.168\.99\.0\/24" to \/etc\/vbox\/networks\.conf/,
		);
		// What the message says, in the simulator's stand-in for /etc/vbox/networks.conf.
		await writeFile(path.join(vboxHome, 'networks.conf'), '* 192.168.99.0/24\n');
		const oldStart = await shell(oldEnv, 'machinist start default');
		t.is(oldStart.code, 0, oldStart.stdout + oldStart.stderr);
		// Its Docker answers on the new address with the old address's certificate: start says what to run.
		t.regex(
			oldStart.stdout,
			/answers at tcp:\/\/192\.168\.99\.\d+:2376, but its certificate was made for another address .*: run "machinist regenerate-certs default"/,
		);
		t.is((await shell(oldEnv, 'machinist status default')).stdout, 'Running\n');
		const ip = (await shell(oldEnv, 'machinist ip default')).stdout;
		t.regex(ip, /^192\.168\.99\.\d+\n$/, "the address on docker-machine's host-only range, read from the guest by nic2's MAC");
		const regenerate = await shell(oldEnv, 'machinist regenerate-certs -f default');
		t.is(regenerate.code, 0, regenerate.stdout + regenerate.stderr);
		const oldRun = await shell(oldEnv, 'eval "$(machinist env default)" && echo "$DOCKER_HOST" && docker run --rm busybox:machinist echo old');
		t.is(oldRun.stdout, `tcp://${ip.trim()}:2376\nold\n`, oldRun.stderr);
		t.is((await shell(oldEnv, 'machinist ssh default cat marker')).stdout, 'kept\n');
		const copy = await shell(oldEnv, `machinist scp default:marker ${path.join(root, 'copied')} && cat ${path.join(root, 'copied')}`);
		t.is(copy.stdout, 'kept\n', copy.stderr);
		// A guest that is still running when the wait ends is powered off (docker-machine waited forever).
		const stopped = await shell({...oldEnv, MACHINIST_VIRTUALBOX_POWERDOWN_TIMEOUT_MS: '1'}, 'machinist stop default');
		t.is(stopped.code, 0, stopped.stderr);
		t.regex(stopped.stdout, /The VM did not shut down within 0 s of the power button; powering it off/);
		t.is((await shell(oldEnv, 'machinist status default')).stdout, 'Stopped\n');
		const removed = await shell(oldEnv, 'machinist rm -y default');
		t.is(removed.code, 0, removed.stderr);
		t.is((await shell(env, 'VBoxManage list vms')).stdout, '', 'the VM is unregistered and deleted');
		t.false(fs.existsSync(path.join(store, 'machines/default/default')), "the VM's folder is gone");

		// The first store's record now names a VM VirtualBox does not have.
		const gone = await shell(env, 'machinist status default');
		t.regex(gone.stderr, /VirtualBox has no VM named "default" \(removed outside machinist\?\): remove the machine with "rm -f default"/);
		t.is((await shell(env, 'machinist rm -y default')).code, 0);
		t.false(fs.existsSync(path.join(store, 'machines/default')));
	});
});
