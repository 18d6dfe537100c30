// VirtualBox's networks for a machine: the host-only network (its interface, its DHCP server, the
// guest's address on it) and the NAT rule that forwards SSH to 127.0.0.1.
import {MachinistError, errorMessage} from '../../errors.js';
import {pollUntil, seconds} from '../../polling.js';
import {assertPortFree, freePort} from '../../vm/ports.js';
import {VBoxManageError, classifyError, natForwards, parseListBlocks} from '../../vm/vboxmanage.js';

/** VirtualBox 6.1.28 and later allow only 192.168.56.0/21 on Linux and macOS hosts; minikube moved to this range too. */
export const defaultHostOnlyCidr = '192.168.59.1/24';

/** A VBoxManage call for this machine, with errors that name what to do. */
export type Manage = (args: string[]) => Promise<string>;

type Cidr = {ip: string; prefix: number; mask: string; network: number};

function ipToNumber(ip: string): number {
	return ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

function numberToIp(value: number): string {
	return [24, 16, 8, 0].map(shift => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `192.168.59.1/24`: the host's address on the host-only network and its prefix. */
export function parseHostOnlyCidr(text: string): Cidr {
	const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
	const parts = match?.slice(1, 5).map(Number) ?? [];
	const prefix = Number(match?.[5]);
	if (!match || parts.some(part => part > 255) || prefix < 8 || prefix > 30) {
		throw new MachinistError(`--virtualbox-hostonly-cidr "${text}" is not an IPv4 CIDR like ${defaultHostOnlyCidr}`);
	}

	const ip = parts.join('.');
	const size = 2 ** (32 - prefix);
	const network = Math.floor(ipToNumber(ip) / size) * size;
	if (ipToNumber(ip) === network) {
		throw new MachinistError(
			`--virtualbox-hostonly-cidr "${text}" is the network's own address: give the host's address in it, e.g. ${numberToIp(network + 1)}/${prefix}`,
		);
	}

	return {ip, prefix, mask: numberToIp(2 ** 32 - size), network};
}

/** docker-machine's DHCP layout: a server address other than the host's, leases from .100 (prefix ≤ 24). */
function dhcpLayout(cidr: Cidr): {server: string; lower: string; upper: string} {
	const size = 2 ** (32 - cidr.prefix);
	const host = ipToNumber(cidr.ip);
	const server = host === cidr.network + 2 ? cidr.network + 3 : cidr.network + 2;
	const lower = cidr.prefix <= 24 ? cidr.network + 100 : server + 1;
	return {server: numberToIp(server), lower: numberToIp(lower), upper: numberToIp(cidr.network + size - 2)};
}

export type HostOnlySettings = {cidrText: string; noDhcp: boolean; log: (message: string) => void; removeInterface: (name: string) => Promise<unknown>};

/** Finds or makes the host-only interface with the CIDR's address, and its DHCP server; returns its name. */
export async function hostOnlyNetwork(manage: Manage, settings: HostOnlySettings): Promise<string> {
	const cidr = parseHostOnlyCidr(settings.cidrText);
	const interfaces = parseListBlocks(await manage(['list', 'hostonlyifs']));
	let name = interfaces.find(block => block.get('ipaddress') === cidr.ip && block.get('networkmask') === cidr.mask)?.get('name');
	if (!name) {
		const clash = interfaces.find(block => {
			const ip = block.get('ipaddress');
			const mask = block.get('networkmask');
			return ip && mask && Math.floor(ipToNumber(ip) / 2 ** (32 - cidr.prefix)) === Math.floor(cidr.network / 2 ** (32 - cidr.prefix)) && ip !== cidr.ip;
		});
		if (clash) {
			throw new MachinistError(
				`the host-only interface ${clash.get('name')} already has ${clash.get('ipaddress')} in ${settings.cidrText}: give --virtualbox-hostonly-cidr ${clash.get('ipaddress')}/${cidr.prefix}, or another range`,
			);
		}

		settings.log(`Creating a host-only interface for ${settings.cidrText}...`);
		const created = await manage(['hostonlyif', 'create']);
		name = /Interface '([^']+)' was successfully created/.exec(created)?.[1];
		if (!name) throw new MachinistError(`VBoxManage hostonlyif create named no interface (it said: ${created.trim() || 'nothing'}): check VirtualBox`);
		try {
			await manage(['hostonlyif', 'ipconfig', name, '--ip', cidr.ip, '--netmask', cidr.mask]);
		} catch (error) {
			await settings.removeInterface(name).catch(() => undefined);
			if (error instanceof VBoxManageError && classifyError(error.detail) === 'access-denied') {
				const network = `${numberToIp(cidr.network)}/${cidr.prefix}`;
				throw new MachinistError(
					`VirtualBox refused the host-only range ${settings.cidrText}: since 6.1.28 it allows only 192.168.56.0/21 unless /etc/vbox/networks.conf lists the range; add the line "* ${network}" to /etc/vbox/networks.conf, or use --virtualbox-hostonly-cidr ${defaultHostOnlyCidr}`,
				);
			}

			throw error;
		}
	}

	if (!settings.noDhcp) await dhcpServer(manage, name, cidr);
	return name;
}

async function dhcpServer(manage: Manage, interfaceName: string, cidr: Cidr): Promise<void> {
	const netName = `HostInterfaceNetworking-${interfaceName}`;
	const servers = parseListBlocks(await manage(['list', 'dhcpservers']));
	const exists = servers.some(block => block.get('networkname') === netName);
	const layout = dhcpLayout(cidr);
	await manage([
		'dhcpserver',
		exists ? 'modify' : 'add',
		'--netname',
		netName,
		'--ip',
		layout.server,
		'--netmask',
		cidr.mask,
		'--lowerip',
		layout.lower,
		'--upperip',
		layout.upper,
		'--enable',
	]);
}

/** The NAT rule `ssh,tcp,127.0.0.1,PORT,,22`, on the machine's port when it is still free, else on a free one; returns the port. */
export async function forwardSsh(manage: Manage, vm: string, info: ReadonlyMap<string, string>, port: number): Promise<number> {
	const free =
		port > 0 &&
		(await assertPortFree(port, 'port').then(
			() => true,
			() => false,
		));
	const chosen = free ? port : await freePort();
	if (natForwards(info).some(forward => forward.name === 'ssh')) await manage(['modifyvm', vm, '--natpf1', 'delete', 'ssh']);
	await manage(['modifyvm', vm, '--natpf1', `ssh,tcp,127.0.0.1,${chosen},,22`]);
	return chosen;
}

/**
 * Asks `read` for the guest's host-only address until it gives one (DHCP on the second NIC takes
 * a moment); the error says how long it waited in all and the last reason.
 */
export async function waitForAddress(
	vm: string,
	read: () => Promise<string>,
	wait: {timeoutMs: number; intervalMs?: number; signal?: AbortSignal},
): Promise<string> {
	let last = '';
	return pollUntil(
		async () => {
			try {
				return await read();
			} catch (error) {
				last = errorMessage(error);
				return undefined;
			}
		},
		{
			intervalMs: wait.intervalMs ?? 2000,
			timeoutMs: wait.timeoutMs,
			signal: wait.signal,
			timedOut: () => new MachinistError(`the VM ${vm} got no address on its host-only network within ${seconds(wait.timeoutMs)} (${last})`),
		},
	);
}
