import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import {machinistInProcess} from '../helpers/cli.js';
import {temporaryDir} from '../helpers/store.js';

async function storeEnv(t: Parameters<typeof temporaryDir>[0]) {
	const dir = await temporaryDir(t, 'mqf-');
	return {dir, env: {MACHINE_STORAGE_PATH: path.join(dir, 'store'), HOME: dir, PATH: process.env.PATH}};
}

test('create -d qemu --help lists every qemu flag with its environment variable', async t => {
	const {env} = await storeEnv(t);
	const help = await machinistInProcess(['create', '-d', 'qemu', '--help'], env);
	for (const [flag, variable] of [
		['cpu-count', 'QEMU_CPU_COUNT'],
		['memory', 'QEMU_MEMORY_SIZE'],
		['disk-size', 'QEMU_DISK_SIZE'],
		['boot-image', 'QEMU_BOOT_IMAGE'],
		['boot-image-checksum', 'QEMU_BOOT_IMAGE_CHECKSUM'],
		['accel', 'QEMU_ACCEL'],
		['binary', 'QEMU_BINARY'],
		['ssh-port', 'QEMU_SSH_PORT'],
		['engine-port', 'QEMU_ENGINE_PORT'],
		['forward', 'QEMU_FORWARD'],
		['share-folder', 'QEMU_SHARE_FOLDER'],
		['no-share', 'QEMU_NO_SHARE'],
		['share-type', 'QEMU_SHARE_TYPE'],
	]) {
		t.regex(help.stdout, new RegExp(String.raw`--qemu-${flag}\b.*\$${variable}`), flag);
	}
});

test('bad qemu flags are one line naming the flag, and nothing is created', async t => {
	const {env} = await storeEnv(t);
	const cases: Array<[string[], RegExp]> = [
		[['--qemu-forward', '80'], /--qemu-forward "80" is not HOST:GUEST \(two ports, 1-65535\), e\.g\. 8080:80/],
		[['--qemu-accel', 'fast'], /--qemu-accel "fast" is not one of auto, kvm, hvf, whpx, tcg/],
		[['--qemu-memory', '64'], /--qemu-memory 64 is too small: use at least 256/],
		[['--qemu-share-folder', '/tmp', '--qemu-no-share'], /--qemu-share-folder and --qemu-no-share contradict each other/],
		[['--qemu-share-folder', '/tmp:relative'], /the guest path "relative" must be absolute/],
		[['--qemu-share-type', 'nfs'], /--qemu-share-type "nfs" is not one of virtiofs, 9p, 9p-mmap, 9p-loose/],
	];
	for (const [flags, message] of cases) {
		const result = await machinistInProcess(['create', '-d', 'qemu', ...flags, 'vm'], env);
		t.is(result.code, 1, flags.join(' '));
		t.regex(result.stderr, message);
		t.is(result.stderr.trim().split('\n').length, 1);
	}

	t.is((await machinistInProcess(['ls', '-q'], env)).stdout, '');
});

test('a missing QEMU names the packages to install, before anything is made', async t => {
	const {env} = await storeEnv(t);
	const result = await machinistInProcess(['create', '-d', 'qemu', '--qemu-binary', '/nonexistent/qemu-system-x86_64', 'vm'], env);
	t.is(result.code, 3);
	t.regex(
		result.stderr,
		/QEMU is not installed \(\/nonexistent\/qemu-system-x86_64 not found\): install it with sudo apt-get install qemu-system-x86 qemu-utils/,
	);
	t.is((await machinistInProcess(['ls', '-q'], env)).stdout, '');
});

test('a port in use on 127.0.0.1 is refused before anything is made, naming the flag', async t => {
	const {env} = await storeEnv(t);
	const server = net.createServer();
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => server.close());
	const {port} = server.address() as net.AddressInfo;
	const result = await machinistInProcess(['create', '-d', 'qemu', '--qemu-binary', 'sh', '--qemu-ssh-port', String(port), 'vm'], env);
	t.regex(result.stderr, new RegExp(String.raw`port ${port} on 127\.0\.0\.1 is in use: choose another --qemu-ssh-port, or 0 for a free port`));
});

test('port on a machine without forwards says where its ports are', async t => {
	const {env} = await storeEnv(t);
	t.is((await machinistInProcess(['create', '-d', 'none', '--url', 'tcp://10.0.0.5:2376', 'remote'], env)).code, 0);
	const result = await machinistInProcess(['port', 'remote', '8080:80'], env);
	t.is(result.code, 1);
	t.regex(result.stderr, /machine remote \(driver none\) has no port forwards: reach its ports at its IP address \(machinist ip remote\)/);
});
