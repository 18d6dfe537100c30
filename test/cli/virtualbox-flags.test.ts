import path from 'node:path';
import test from 'ava';
import {machinistInProcess} from '../helpers/cli.js';
import {temporaryDir} from '../helpers/store.js';

async function storeEnv(t: Parameters<typeof temporaryDir>[0]) {
	const dir = await temporaryDir(t, 'mvbflags-');
	return {dir, env: {MACHINE_STORAGE_PATH: path.join(dir, 'store'), HOME: dir, PATH: process.env.PATH}};
}

test("create -d virtualbox --help lists docker-machine's virtualbox flags with their variables and the new host-only default", async t => {
	const {env} = await storeEnv(t);
	const help = await machinistInProcess(['create', '-d', 'virtualbox', '--help'], env);
	for (const [flag, variable] of [
		['memory', 'VIRTUALBOX_MEMORY_SIZE'],
		['cpu-count', 'VIRTUALBOX_CPU_COUNT'],
		['disk-size', 'VIRTUALBOX_DISK_SIZE'],
		['boot2docker-url', 'VIRTUALBOX_BOOT2DOCKER_URL'],
		['import-boot2docker-vm', 'VIRTUALBOX_BOOT2DOCKER_IMPORT_VM'],
		['host-dns-resolver', 'VIRTUALBOX_HOST_DNS_RESOLVER'],
		['nat-nictype', 'VIRTUALBOX_NAT_NICTYPE'],
		['hostonly-cidr', 'VIRTUALBOX_HOSTONLY_CIDR'],
		['hostonly-nictype', 'VIRTUALBOX_HOSTONLY_NIC_TYPE'],
		['hostonly-nicpromisc', 'VIRTUALBOX_HOSTONLY_NIC_PROMISC'],
		['ui-type', 'VIRTUALBOX_UI_TYPE'],
		['hostonly-no-dhcp', 'VIRTUALBOX_HOSTONLY_NO_DHCP'],
		['no-share', 'VIRTUALBOX_NO_SHARE'],
		['no-dns-proxy', 'VIRTUALBOX_NO_DNS_PROXY'],
		['no-vtx-check', 'VIRTUALBOX_NO_VTX_CHECK'],
		['share-folder', 'VIRTUALBOX_SHARE_FOLDER'],
	]) {
		t.regex(help.stdout, new RegExp(String.raw`--virtualbox-${flag}\b.*\$${variable}`), flag);
	}

	t.regex(help.stdout, /--virtualbox-hostonly-cidr\b.*192\.168\.59\.1\/24/);
});

test('bad virtualbox flags are one line naming the flag, and nothing is created', async t => {
	const {env} = await storeEnv(t);
	const cases: Array<[string[], RegExp]> = [
		[
			['--virtualbox-hostonly-cidr', '192.168.59.0/24'],
			/--virtualbox-hostonly-cidr "192\.168\.59\.0\/24" is the network's own address: give the host's address in it, e\.g\. 192\.168\.59\.1\/24/,
		],
		[['--virtualbox-hostonly-cidr', 'wide'], /--virtualbox-hostonly-cidr "wide" is not an IPv4 CIDR like 192\.168\.59\.1\/24/],
		[['--virtualbox-ui-type', 'window'], /--virtualbox-ui-type "window" is not one of headless, gui, sdl, separate/],
		[['--virtualbox-nat-nictype', 'rtl8139'], /--virtualbox-nat-nictype "rtl8139" is not one of /],
		[['--virtualbox-memory', '64'], /--virtualbox-memory 64 is too small: use at least 256/],
		[['--virtualbox-share-folder', '/tmp', '--virtualbox-no-share'], /--virtualbox-share-folder and --virtualbox-no-share contradict each other: give one/],
	];
	for (const [flags, message] of cases) {
		const result = await machinistInProcess(['create', '-d', 'virtualbox', ...flags, 'vm'], env);
		t.is(result.code, 1, flags.join(' '));
		t.regex(result.stderr, message);
		t.is(result.stderr.trim().split('\n').length, 1);
	}

	t.is((await machinistInProcess(['ls', '-q'], env)).stdout, '');
});
