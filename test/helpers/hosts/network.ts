/**
 * The test network. Everything here is explicit rather than borrowed from whatever ran on this
 * machine before: a fresh machine has net.ipv4.ip_forward = 0, no firewall rules and no routes
 * for 10.200.0.0/16, and its kernel may have no loadable modules (no IPVS, so swarm's routing
 * mesh cannot work in a test host; nothing here needs a module).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {readClaims, stateDir, type HostRecord} from './claims.js';
import {commandExists, runChecked, runSync, withLock} from './process.js';

const hostSysctlScript = [
	'echo 1 > /proc/sys/net/ipv4/ip_forward',
	// Swarm's overlay networks and published ports route between interfaces of the host.
	'echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter',
	'echo 0 > /proc/sys/net/ipv4/conf/default/rp_filter',
].join(' && ');

const testSubnet = '10.200.0.0/16';
const routeTable = '2000';

/**
 * Test hosts reach each other through this machine, and nothing else:
 * - forwarding is switched on only for the hosts' veth interfaces (IPv4 decides by the incoming
 *   interface), never machine-wide;
 * - a policy rule sends whatever a test host sends to an address outside the test subnet to a
 *   table that holds only an unreachable route, so no packet of theirs leaves this machine;
 * - a blackhole route for the whole subnet keeps traffic to a host whose veth is gone from
 *   following this machine's default route.
 */
let networkReady: Promise<void> | undefined;

async function ensureTestNetwork(): Promise<void> {
	networkReady ??= withLock(path.join(stateDir, 'network.lock'), async () => {
		const rules = (await runChecked('ip', ['rule', 'show'])).split('\n');
		const has = (pref: string): boolean => rules.some(line => line.startsWith(`${pref}:`) && line.includes(testSubnet));
		if (!has('1000')) {
			await runChecked('ip', ['rule', 'add', 'pref', '1000', 'from', testSubnet, 'to', testSubnet, 'lookup', 'main']);
		}

		if (!has('1001')) {
			await runChecked('ip', ['rule', 'add', 'pref', '1001', 'from', testSubnet, 'lookup', routeTable]);
		}

		// Unreachable rather than blackhole: a host that tries the internet fails at once, as it
		// did when it had no route at all, instead of waiting for a time-out.
		await runChecked('ip', ['route', 'replace', 'unreachable', 'default', 'table', routeTable]);
		await runChecked('ip', ['route', 'replace', 'blackhole', testSubnet]);
		// A firewall that drops forwarded packets (dockerd on this machine sets FORWARD to DROP)
		// would cut the hosts off from each other; let theirs through, only between test hosts.
		const forward = commandExists('iptables') ? runSync('iptables', ['-S', 'FORWARD']) : undefined;
		if (forward?.code === 0 && forward.output.includes('-P FORWARD DROP')) {
			const rule = ['FORWARD', '-s', testSubnet, '-d', testSubnet, '-i', 'mtv+', '-o', 'mtv+', '-j', 'ACCEPT'];
			if (runSync('iptables', ['-C', ...rule]).code !== 0) await runChecked('iptables', ['-I', ...rule]);
		}
	});
	networkReady.catch(() => {
		networkReady = undefined;
	});
	return networkReady;
}

/** Forwarding for packets arriving on one veth; false if the interface is gone. */
function setForwarding(veth: string): boolean {
	try {
		fs.writeFileSync(`/proc/sys/net/ipv4/conf/${veth}/forwarding`, '1');
		return true;
	} catch {
		return false;
	}
}

/**
 * Writing net.ipv4.ip_forward resets the forwarding flag of every interface, so a test that
 * changes it must hand the running hosts their forwarding back; this does, for every claimed
 * host of every test process.
 */
export function restoreHostForwarding(): void {
	for (const record of readClaims()) setForwarding(record.veth);
}

/** Sets this machine's net.ipv4.ip_forward and gives running test hosts their forwarding back. */
export function setMachineIpForward(value: '0' | '1'): void {
	fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', value);
	restoreHostForwarding();
}

export function machineIpForward(): string {
	return fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
}

/** Where the test process reaches the host of subnet n. */
export function hostAddress(n: number): string {
	return `10.200.${n}.2`;
}

/** Where the host of subnet n reaches this machine: the machine's end of its link. */
export function machineAddress(n: number): string {
	return `10.200.${n}.1`;
}

/**
 * The host's own network namespace, named as the host: a veth pair with eth0 inside at
 * 10.200.N.2, and a default route through this machine that reaches the other test hosts and
 * nothing else.
 */
export async function createHostNetwork(record: HostRecord): Promise<void> {
	const {name} = record;
	const ip = hostAddress(record.n);
	await ensureTestNetwork();
	await runChecked('ip', ['netns', 'add', name]);
	await runChecked('ip', ['link', 'add', record.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
	await runChecked('ip', ['address', 'add', `${machineAddress(record.n)}/24`, 'dev', record.veth]);
	setForwarding(record.veth);
	await runChecked('ip', ['link', 'set', record.veth, 'up']);
	await runChecked('ip', ['-n', name, 'address', 'add', `${ip}/24`, 'dev', 'eth0']);
	await runChecked('ip', ['-n', name, 'link', 'set', 'eth0', 'up']);
	await runChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
	await runChecked('ip', ['-n', name, 'route', 'add', 'default', 'via', machineAddress(record.n)]);
	// A new namespace starts with this machine's ip_forward, and /proc/sys is read-only inside
	// the container, so dockerd (which needs forwarding for its bridge) could not turn it on.
	await runChecked('ip', ['netns', 'exec', name, '/bin/sh', '-c', hostSysctlScript]);
}

/**
 * Whether anything accepts a TCP connection at ip:port within timeoutMs: false for a refused
 * connection, an address with no route (a host that is off has no network) and silence alike.
 */
export async function tcpAnswers(ip: string, port: number, timeoutMs = 2000): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host: ip, port, timeout: timeoutMs});
		const done = (result: boolean): void => {
			socket.destroy();
			resolve(result);
		};

		socket.once('connect', () => {
			done(true);
		});
		socket.once('timeout', () => {
			done(false);
		});
		socket.once('error', () => {
			done(false);
		});
	});
}
