/**
 * `create -d qemu` and `start` against a baseline measured in the same run: plain QEMU booting
 * the same image (a fresh overlay and a cloud-init seed made with genisoimage) until sshd
 * answers, first boot and second boot. create does more than boot (a key, the seed, Docker's
 * certificates and daemon restart), so its ratio says what that costs. start returns once Docker
 * answers, which under TCG is some 25 s after sshd, so its ratio is above 1 by that much.
 *
 * Run as root: `npm run bench:qemu` (boots 4 VMs under TCG here: a few minutes).
 */
import {execFile, spawn} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {freePort, sshBannerAnswers} from '../source/engine/vm/runtime.js';
import {builtCli} from '../test/helpers/cli.js';
import {ensureVmImage, vmTestsAvailable} from '../test/helpers/vm-image.js';

const exec = promisify(execFile);
const availability = vmTestsAvailable();
if (!availability.ok) {
	console.error(`bench needs QEMU and the VM test image: ${availability.why}`);
	process.exit(1);
}

const image = await ensureVmImage();
const scratch = await mkdtemp(path.join(os.tmpdir(), 'mbq-'));

async function timedMs(work: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await work();
	return performance.now() - started;
}

/** Boots the overlay in plain QEMU until sshd answers, then powers it off. */
async function plainBoot(disk: string, seed: string): Promise<number> {
	const port = await freePort();
	const started = performance.now();
	const qemu = spawn(
		'qemu-system-x86_64',
		[
			'-machine',
			'q35',
			'-accel',
			'tcg',
			'-smp',
			'2',
			'-m',
			'1024',
			'-drive',
			`if=virtio,file=${disk},format=qcow2`,
			'-drive',
			`if=virtio,file=${seed},format=raw,readonly=on`,
			'-netdev',
			`user,id=n,hostfwd=tcp:127.0.0.1:${port}-:22`,
			'-device',
			'virtio-net-pci,netdev=n',
			'-display',
			'none',
			'-serial',
			'null',
			'-monitor',
			'none',
		],
		{stdio: 'ignore'},
	);
	try {
		while (!(await sshBannerAnswers(port))) {
			if (performance.now() - started > 600_000) throw new Error(`plain QEMU did not answer SSH on 127.0.0.1:${port} within 10 minutes`);
			await new Promise(resolve => {
				setTimeout(resolve, 500);
			});
		}

		return performance.now() - started;
	} finally {
		qemu.kill('SIGKILL');
		await new Promise(resolve => qemu.once('exit', resolve));
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
	const disk = path.join(scratch, 'plain.qcow2');
	await exec('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image, disk, '4000M']);
	const baselineFirst = await plainBoot(disk, seed);
	const baselineSecond = await plainBoot(disk, seed);

	const env = {PATH: process.env.PATH, HOME: scratch, USER: 'bench', MACHINE_STORAGE_PATH: path.join(scratch, 'store')};
	const machinist = async (...args: string[]) => exec(process.execPath, [builtCli, ...args], {env, maxBuffer: 16 * 1024 * 1024});
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
	await machinist('stop', 'bench');
	const start = await timedMs(async () => machinist('start', 'bench'));
	const stop = await timedMs(async () => machinist('stop', 'bench'));
	await machinist('rm', '-y', 'bench');

	const seconds = (ms: number) => (ms / 1000).toFixed(1);
	console.log(`machinist create -d qemu under TCG (${os.cpus().length} cores, 2 vCPUs, 1 GiB, Node ${process.version})`);
	console.log('| operation | wall s | baseline: plain QEMU to sshd, s | ratio |');
	console.log('|---|---:|---:|---:|');
	console.log(`| create (first boot, provision Docker) | ${seconds(create)} | ${seconds(baselineFirst)} | ${(create / baselineFirst).toFixed(2)} |`);
	console.log(`| start (second boot, to Docker answering) | ${seconds(start)} | ${seconds(baselineSecond)} | ${(start / baselineSecond).toFixed(2)} |`);
	console.log(`| stop (ACPI power-down) | ${seconds(stop)} | | |`);
} finally {
	await rm(scratch, {recursive: true, force: true});
}
