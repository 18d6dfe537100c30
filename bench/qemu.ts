/**
 * `create -d qemu` and `start` against a baseline measured in the same run: plain QEMU booting
 * the same image (a fresh overlay and a cloud-init seed made with genisoimage) until sshd
 * answers, first boot and second boot. create does more than boot (a key, Docker's certificates
 * in the seed, so that the first boot starts dockerd secured, then provisioning's checks over
 * SSH), so its ratio says what that costs; issue #21's goal is 1.25. start returns once Docker
 * answers, which under TCG comes some seconds after sshd; the goal is 1.1.
 * Baseline and Machinist take turns, each round in the other order; medians with their spread.
 *
 * Run as root: `npm run bench:qemu` (3 rounds of 4 boots under TCG: 17 minutes here at load 9).
 * The short form (`-- --smoke`: one plain first boot and one create) still boots twice, minutes
 * under TCG, so `npm test` leaves it out: the suite's own QEMU test covers create, stop and start.
 */
import {execFile, spawn} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {freePort, sshBannerAnswers} from '../source/engine/vm/ports.js';
import {builtCli} from '../test/helpers/cli.js';
import {ensureVmImage, vmTestsAvailable} from '../test/helpers/vm-image.js';
import {tcgVmArgs} from './tcg-vm.js';
import {benchForm, inTurns, printTable, range, requireParts, spread, timedMs, type Spread} from './measure.js';

const exec = promisify(execFile);
const form = benchForm(3, 3);
requireParts('QEMU and the VM test image', vmTestsAvailable());

const image = await ensureVmImage();
const scratch = await mkdtemp(path.join(os.tmpdir(), 'mbq-'));

/**
 * Boots the overlay in plain QEMU until sshd answers, then powers it off as `machinist stop` does
 * (ACPI, through QEMU's monitor on stdin). Its serial console goes to a file, so a boot that never
 * gets there says where it stopped.
 */
async function plainBoot(disk: string, seed: string): Promise<number> {
	const port = await freePort();
	const serialLog = `${disk}.serial.log`;
	const started = performance.now();
	const qemu = spawn('qemu-system-x86_64', tcgVmArgs({memoryMiB: 1024, disk, seed, sshPort: port, serial: serialLog, monitor: 'stdio'}), {
		stdio: ['pipe', 'ignore', 'ignore'],
	});
	let answered = false;
	try {
		while (!(await sshBannerAnswers(port))) {
			if (performance.now() - started > 600_000) {
				const last = (await readFile(serialLog, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-15).join('\n');
				throw new Error(`plain QEMU did not answer SSH on 127.0.0.1:${port} within 10 minutes; its console ended:\n${last}`);
			}

			await new Promise(resolve => {
				setTimeout(resolve, 500);
			});
		}

		answered = true;
		return performance.now() - started;
	} finally {
		// Killed at once, the guest loses what it has not written out yet: once that was the host
		// keys it had just made, and the second boot's sshd never started. So it is powered down,
		// and killed only where it never booted or does not go down within 3 minutes.
		if (qemu.exitCode === null && qemu.signalCode === null) {
			const exited = new Promise(resolve => qemu.once('exit', resolve));
			if (answered) qemu.stdin.write('system_powerdown\n');
			const kill = setTimeout(() => qemu.kill('SIGKILL'), answered ? 180_000 : 0);
			await exited;
			clearTimeout(kill);
		}
	}
}

try {
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(scratch, 'key')]);
	const seedDir = path.join(scratch, 'seed');
	await exec('mkdir', ['-p', seedDir]);
	await writeFile(path.join(seedDir, 'meta-data'), 'instance-id: bench-1\nlocal-hostname: bench\n');
	await writeFile(path.join(seedDir, 'user-data'), '#cloud-config\nssh_pwauth: false\n');
	const seed = path.join(scratch, 'seed.iso');
	await exec('genisoimage', ['-quiet', '-output', seed, '-volid', 'cidata', '-joliet', '-rock', seedDir]);
	let round = 0;
	const plain = async () => {
		const disk = path.join(scratch, `plain${++round}.qcow2`);
		await exec('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image, disk, '4000M']);
		try {
			const first = await plainBoot(disk, seed);
			return {first, second: form.smoke ? undefined : await plainBoot(disk, seed)};
		} finally {
			await rm(disk, {force: true});
			await rm(`${disk}.serial.log`, {force: true});
		}
	};

	const env = {
		PATH: process.env.PATH,
		HOME: scratch,
		USER: 'bench',
		MACHINE_STORAGE_PATH: path.join(scratch, 'store'),
		// As long as the baseline may take (10 minutes): on a loaded machine a TCG boot outlasts the 300 s default.
		MACHINIST_QEMU_BOOT_TIMEOUT_MS: '600000',
		MACHINIST_QEMU_DOCKER_TIMEOUT_MS: '600000',
	};
	const machinist = async (...args: string[]) => exec(process.execPath, [builtCli, ...args], {env, maxBuffer: 16 * 1024 * 1024});
	const withMachinist = async () => {
		// A create that fails still leaves its machine, and its VM perhaps running: rm takes both.
		try {
			const create = await timedMs(async () =>
				machinist(
					'create',
					'-d',
					'qemu',
					'--qemu-boot-image',
					image,
					'--qemu-accel',
					'tcg',
					'--qemu-memory',
					'1024',
					'--qemu-disk-size',
					'4000',
					'--qemu-no-share',
					'bench',
				),
			);
			if (form.smoke) return {create, start: undefined, stop: undefined};
			await machinist('stop', 'bench');
			const start = await timedMs(async () => machinist('start', 'bench'));
			const stop = await timedMs(async () => machinist('stop', 'bench'));
			return {create, start, stop};
		} finally {
			await machinist('rm', '-y', 'bench');
		}
	};

	const [plainSamples, machinistSamples] = await inTurns([plain, withMachinist] as const, form.samples);
	const seconds = (values: Array<number | undefined>) => spread(values.map(ms => ms! / 1000));
	const row = (label: string, value: Spread, baseline?: Spread) => [
		label,
		value.median.toFixed(1),
		range(value, 1),
		baseline ? baseline.median.toFixed(1) : '',
		baseline ? range(baseline, 1) : '',
		baseline ? (value.median / baseline.median).toFixed(2) : '',
	];
	const firstBoot = seconds(plainSamples.map(sample => sample.first));
	const rows = [row('create (first boot, provision Docker)', seconds(machinistSamples.map(sample => sample.create)), firstBoot)];
	if (!form.smoke) {
		rows.push(
			row(
				'start (second boot, to Docker answering)',
				seconds(machinistSamples.map(sample => sample.start)),
				seconds(plainSamples.map(sample => sample.second)),
			),
			row('stop (ACPI power-down)', seconds(machinistSamples.map(sample => sample.stop))),
		);
	}

	printTable(
		form,
		`machinist create -d qemu under TCG (2 vCPUs, 1 GiB): medians of ${form.samples} with their spread, baseline and Machinist in turns`,
		['operation', 'wall s', 'spread', 'baseline: plain QEMU to sshd, s', 'spread', 'ratio'],
		rows,
	);
} finally {
	await rm(scratch, {recursive: true, force: true});
}
