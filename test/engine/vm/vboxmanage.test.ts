import {chmod, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import virtualbox, {parseHostOnlyCidr, splitShareFolder} from '../../../source/engine/drivers/virtualbox/index.js';
import {waitForAddress} from '../../../source/engine/drivers/virtualbox/network.js';
import {nocloudFiles} from '../../../source/engine/vm/cidata.js';
import {
	classifyError,
	ipv4ForMac,
	natForwards,
	parseListBlocks,
	parseMachineReadable,
	stateOfVmState,
	vboxManage,
	vboxManageMissing,
} from '../../../source/engine/vm/vboxmanage.js';
import {temporaryDir} from '../../helpers/store.js';

/** As VirtualBox 6.1 prints it for a docker-machine boot2docker VM (abridged). */
const showvminfo = String.raw`name="default"
groups="/"
ostype="Linux 2.6 / 3.x / 4.x (64-bit)"
UUID="3f1c2a8e-8b0e-4d35-9a57-0c3c6c1b9e11"
CfgFile="/home/u/.docker/machine/machines/default/default/default.vbox"
memory=1024
cpus=1
VMState="running"
VMStateChangeTime="2021-03-04T10:11:12.000000000"
storagecontrollername0="SATA"
"SATA-0-0"="/home/u/.docker/machine/machines/default/boot2docker.iso"
"SATA-ImageUUID-0-0"="6e5a0cdd-0000-4000-8000-000000000001"
"SATA-1-0"="/home/u/.docker/machine/machines/default/disk.vmdk"
natnet1="nat"
macaddress1="080027E0D9C5"
cableconnected1="on"
nic1="nat"
nictype1="82540EM"
Forwarding(0)="ssh,tcp,127.0.0.1,58145,,22"
hostonlyadapter2="vboxnet0"
macaddress2="0800274F82A1"
cableconnected2="on"
nic2="hostonly"
nictype2="82540EM"
nicpromisc2="deny"
nic3="none"
SharedFolderNameMachineMapping1="hosthome"
SharedFolderPathMachineMapping1="/home"
description="a \"quoted\" word"
`;

test('showvminfo --machinereadable: quoted and bare values, quoted keys, NAT forwards', t => {
	const info = parseMachineReadable(showvminfo);
	t.is(info.get('VMState'), 'running');
	t.is(info.get('memory'), '1024');
	t.is(info.get('macaddress2'), '0800274F82A1');
	t.is(info.get('SATA-1-0'), '/home/u/.docker/machine/machines/default/disk.vmdk');
	t.is(info.get('description'), 'a "quoted" word');
	t.deepEqual(natForwards(info), [{name: 'ssh', protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 58_145, guestPort: 22}]);
	t.deepEqual(natForwards(parseMachineReadable('VMState="poweroff"\n')), []);
});

test("VMState maps to docker-machine's states", t => {
	t.is(stateOfVmState('running'), 'Running');
	t.is(stateOfVmState('paused'), 'Paused');
	t.is(stateOfVmState('saved'), 'Saved');
	t.is(stateOfVmState('poweroff'), 'Stopped');
	t.is(stateOfVmState('aborted'), 'Stopped');
	t.is(stateOfVmState('gurumeditation'), 'None');
	t.is(stateOfVmState(undefined), 'None');
});

test('list hostonlyifs and list dhcpservers blocks', t => {
	const interfaces = parseListBlocks(
		'Name:            vboxnet0\nGUID:            786f6276-656e-4074-8000-0a0027000000\nDHCP:            Disabled\nIPAddress:       192.168.99.1\nNetworkMask:     255.255.255.0\nStatus:          Up\nVBoxNetworkName: HostInterfaceNetworking-vboxnet0\n\nName:            vboxnet1\nIPAddress:       192.168.59.1\nNetworkMask:     255.255.255.0\n\n',
	);
	t.deepEqual(
		interfaces.map(block => [block.get('name'), block.get('ipaddress'), block.get('networkmask')]),
		[
			['vboxnet0', '192.168.99.1', '255.255.255.0'],
			['vboxnet1', '192.168.59.1', '255.255.255.0'],
		],
	);
	const servers = parseListBlocks('NetworkName:    HostInterfaceNetworking-vboxnet0\nIP:             192.168.99.6\nEnabled:        Yes\n');
	t.is(servers[0]!.get('networkname'), 'HostInterfaceNetworking-vboxnet0');
});

test("the host-only address is the IPv4 of the guest interface with nic2's MAC", t => {
	const ipAddr = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
    link/ether 08:00:27:e0:d9:c5 brd ff:ff:ff:ff:ff:ff
    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0
3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
    link/ether 08:00:27:4f:82:a1 brd ff:ff:ff:ff:ff:ff
    inet 192.168.99.100/24 brd 192.168.99.255 scope global eth1
4: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default
    link/ether 02:42:6c:1f:00:01 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
`;
	t.is(ipv4ForMac(ipAddr, '0800274F82A1'), '192.168.99.100');
	t.is(ipv4ForMac(ipAddr, '080027E0D9C5'), '10.0.2.15');
	t.is(ipv4ForMac(ipAddr, '080027000000'), undefined);
	t.is(ipv4ForMac(ipAddr.replace('    inet 192.168.99.100/24 brd 192.168.99.255 scope global eth1\n', ''), '0800274F82A1'), undefined, 'no address yet');
});

test('VBoxManage messages are told apart', t => {
	t.is(classifyError("VBoxManage: error: Could not find a registered machine named 'x'"), 'not-found');
	t.is(classifyError("VBoxManage: error: The machine 'x' is already locked for a session (or being unlocked)"), 'locked');
	t.is(classifyError('VBoxManage: error: Code E_ACCESSDENIED (0x80070005) - Access denied (extended info not available)'), 'access-denied');
	t.is(classifyError('VBoxManage: error: something else'), 'other');
});

/** A stand-in VBoxManage script in a directory of its own. */
async function fakeVBoxManage(t: Parameters<typeof temporaryDir>[0], script: string): Promise<{dir: string; binary: string}> {
	const dir = await temporaryDir(t, 'mvbf-');
	const binary = path.join(dir, 'VBoxManage');
	await writeFile(binary, `#!/bin/sh\n${script}\n`);
	await chmod(binary, 0o755);
	return {dir, binary};
}

test('the runner: error: on stderr fails even with exit 0; "not ready" is retried; a missing VBoxManage names the fix', async t => {
	const quiet = await fakeVBoxManage(t, 'echo "VBoxManage: error: Failed to create the host-only adapter" >&2; exit 0');
	const env = {PATH: process.env.PATH};
	const failure = await t.throwsAsync(vboxManage(quiet.binary)(['hostonlyif', 'create'], {env}));
	t.is(failure.message, 'VBoxManage hostonlyif failed: Failed to create the host-only adapter');

	const flaky = await fakeVBoxManage(
		t,
		'n=$(cat "$0.count" 2>/dev/null || echo 0); echo $((n+1)) > "$0.count"; if [ "$n" -lt 2 ]; then echo "VBoxManage: error: The object is not ready" >&2; exit 1; fi; echo ok',
	);
	t.is(await vboxManage(flaky.binary)(['list', 'vms'], {env}), 'ok\n');
	t.is((await readFile(`${flaky.binary}.count`, 'utf8')).trim(), '3', 'two retries, then success');

	const missing = await t.throwsAsync(vboxManage(path.join(quiet.dir, 'nothing-here'))(['--version'], {env}));
	t.is(missing.message, vboxManageMissing);
	t.regex(vboxManageMissing, /^VBoxManage not found: install VirtualBox \(.+\) and make sure VBoxManage is on the PATH, or use -d qemu$/);
});

test('the driver names the fix for a VM VirtualBox lacks and for one another session holds', async t => {
	const base = {
		IPAddress: '',
		MachineName: 'default',
		SSHUser: 'docker',
		SSHPort: 22,
		SSHKeyPath: '',
		StorePath: '/nonexistent',
		SwarmMaster: false,
		SwarmHost: '',
		SwarmDiscovery: '',
	};
	const driver = virtualbox.fromConfig(base);
	const notFound = await fakeVBoxManage(t, `echo "VBoxManage: error: Could not find a registered machine named 'default'" >&2; exit 1`);
	const locked = await fakeVBoxManage(
		t,
		`case "$1" in showvminfo) echo 'VMState="poweroff"';; list|dhcpserver) ;; hostonlyif) echo "Interface 'vboxnet0' was successfully created";; *) echo "VBoxManage: error: The machine 'default' is already locked for a session (or being unlocked)" >&2; exit 1;; esac`,
	);
	const machineDir = '/nonexistent/machines/default';
	const goneContext = {machineDir, env: {PATH: `${notFound.dir}:${process.env.PATH ?? ''}`}};
	const gone = await t.throwsAsync(driver.getState(goneContext));
	t.is(gone.message, 'VirtualBox has no VM named "default" (removed outside machinist?): remove the machine with "rm -f default"');
	await t.notThrowsAsync(driver.remove(goneContext), 'removing a machine whose VM is gone only removes its files');

	const busy = await t.throwsAsync(driver.start({machineDir, env: {PATH: `${locked.dir}:${process.env.PATH ?? ''}`}}));
	t.is(busy.message, `VirtualBox's VM "default" is busy in another session (the VirtualBox window, or another VBoxManage): close it there and try again`);
});

test('a docker-machine record keeps its fields; options give docker-machine defaults with the new host-only range', t => {
	const stored = virtualbox.fromConfig({
		IPAddress: '192.168.99.100',
		MachineName: 'default',
		SSHUser: 'docker',
		SSHPort: 58_145,
		SSHKeyPath: '/k',
		StorePath: '/s',
		SwarmMaster: false,
		SwarmHost: 'tcp://0.0.0.0:3376',
		SwarmDiscovery: '',
		HostOnlyCIDR: '192.168.99.1/24',
		DNSProxy: true,
		SomethingNewer: 'kept',
	});
	t.like(stored.config, {HostOnlyCIDR: '192.168.99.1/24', CPU: 1, Memory: 1024, DiskSize: 20_000, UIType: 'headless', SomethingNewer: 'kept'});
	const created = virtualbox.fromOptions(
		{IPAddress: '', MachineName: 'm', SSHUser: '', SSHPort: 0, SSHKeyPath: '', StorePath: '/s', SwarmMaster: false, SwarmHost: '', SwarmDiscovery: ''},
		{
			'virtualbox-memory': 1024,
			'virtualbox-cpu-count': 1,
			'virtualbox-disk-size': 20_000,
			'virtualbox-boot-image': 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.raw',
			'virtualbox-hostonly-cidr': '192.168.59.1/24',
			'virtualbox-nat-nictype': '82540EM',
			'virtualbox-hostonly-nictype': '82540EM',
			'virtualbox-hostonly-nicpromisc': 'deny',
			'virtualbox-ui-type': 'headless',
			'virtualbox-share-folder': '/data:projects',
		},
	);
	t.like(created.config, {
		HostOnlyCIDR: '192.168.59.1/24',
		SSHUser: 'docker',
		DNSProxy: true,
		ShareFolder: '/data:projects',
		BootImageChecksum: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS',
		VBoxManager: {},
		HostInterfaces: {},
	});
});

test('host-only CIDRs and share folders', t => {
	t.like(parseHostOnlyCidr('192.168.59.1/24'), {ip: '192.168.59.1', prefix: 24, mask: '255.255.255.0'});
	t.throws(() => parseHostOnlyCidr('192.168.59.0/24'), {message: /is the network's own address: give the host's address in it, e\.g\. 192\.168\.59\.1\/24/});
	t.throws(() => parseHostOnlyCidr('192.168.59.1'), {message: /is not an IPv4 CIDR like 192\.168\.59\.1\/24/});
	t.deepEqual(splitShareFolder('/home:hosthome'), {host: '/home', name: 'hosthome'});
	t.deepEqual(splitShareFolder(String.raw`C:\Users:c/Users`), {host: String.raw`C:\Users`, name: 'c/Users'});
	t.deepEqual(splitShareFolder('/srv/data'), {host: '/srv/data', name: 'srv/data'});
});

test('a VirtualBox share is mounted with Linux vboxsf at every boot, never failing the boot', t => {
	const userData = nocloudFiles({
		instanceId: 'i',
		hostname: 'h',
		user: 'docker',
		publicKey: 'ssh-ed25519 AAAA k',
		shares: [{tag: 'hosthome', guestPath: '/home', fs: 'vboxsf'}],
	})['user-data'];
	t.regex(userData, /^ {6}hosthome \/home vboxsf nofail,x-systemd\.before=local-fs\.target 0 0$/m);
	t.notRegex(userData, /9p/);
});

test('the host-only address wait names the whole time it waited and the last reason, and an abort ends it at once', async t => {
	const noAddress = async (): Promise<string> => {
		throw new Error('the guest has no IPv4 address on the interface with MAC 0800274F82A1 yet');
	};

	const started = Date.now();
	await t.throwsAsync(waitForAddress('vm1', noAddress, {timeoutMs: 2400, intervalMs: 100}), {
		message: 'the VM vm1 got no address on its host-only network within 2 s (the guest has no IPv4 address on the interface with MAC 0800274F82A1 yet)',
	});
	t.true(Date.now() - started >= 2400);

	const controller = new AbortController();
	setTimeout(() => {
		controller.abort(new Error('cancelled'));
	}, 200);
	const aborted = Date.now();
	await t.throwsAsync(waitForAddress('vm1', noAddress, {timeoutMs: 90_000, signal: controller.signal}), {message: 'cancelled'});
	t.true(Date.now() - aborted < 2000);
});
