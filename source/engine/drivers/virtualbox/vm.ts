// The VirtualBox VM: its definition (docker-machine's settings), its disks and share, its NICs.
import os from 'node:os';
import type {Manage} from './network.js';
import type {VirtualBoxConfig} from './options.js';

const storageController = 'SATA';

/** docker-machine's rule: 0 or less means all of this computer's CPUs, at most 32. */
function cpuCount(config: VirtualBoxConfig): number {
	return config.CPU > 0 ? config.CPU : Math.min(os.availableParallelism(), 32);
}

/**
 * Tells a powered-off VM the config's CPU count and memory where they differ from its own
 * (`set` changed them while it ran, or just now).
 */
export async function syncSize(manage: Manage, config: VirtualBoxConfig, info: ReadonlyMap<string, string>): Promise<void> {
	const wanted = {cpus: String(cpuCount(config)), memory: String(config.Memory)};
	const changes = Object.entries(wanted).filter(([key, value]) => info.get(key) !== value);
	if (changes.length > 0) await manage(['modifyvm', config.MachineName, ...changes.flatMap(([key, value]) => [`--${key}`, value])]);
}

function onOff(value: boolean): string {
	return value ? 'on' : 'off';
}

/** createvm, then docker-machine's modifyvm settings, the NAT NIC, the seed as a DVD, the disk, the share. */
export async function defineVm(
	manage: Manage,
	config: VirtualBoxConfig,
	where: {machineDir: string; disk: string; seed: string; share?: {host: string; name: string}},
): Promise<void> {
	const vm = config.MachineName;
	await manage(['createvm', '--basefolder', where.machineDir, '--name', vm, '--register']);
	await manage([
		'modifyvm',
		vm,
		'--firmware',
		'bios',
		'--bioslogofadein',
		'off',
		'--bioslogofadeout',
		'off',
		'--bioslogodisplaytime',
		'0',
		'--biosbootmenu',
		'disabled',
		'--ostype',
		process.arch === 'arm64' ? 'Debian_arm64' : 'Debian_64',
		'--cpus',
		String(cpuCount(config)),
		'--memory',
		String(config.Memory),
		'--acpi',
		'on',
		'--ioapic',
		'on',
		'--rtcuseutc',
		'on',
		'--natdnshostresolver1',
		onOff(config.HostDNSResolver),
		'--natdnsproxy1',
		onOff(config.DNSProxy),
		'--cpuhotplug',
		'off',
		'--pae',
		'on',
		'--hpet',
		'on',
		'--hwvirtex',
		'on',
		'--nestedpaging',
		'on',
		'--largepages',
		'on',
		'--vtxvpid',
		'on',
		'--accelerate3d',
		'off',
		'--boot1',
		'disk',
	]);
	await manage(['modifyvm', vm, '--nic1', 'nat', '--nictype1', config.NatNicType, '--cableconnected1', 'on']);
	await manage(['storagectl', vm, '--name', storageController, '--add', 'sata', '--hostiocache', 'on']);
	const attach = async (port: string, type: string, medium: string) =>
		manage(['storageattach', vm, '--storagectl', storageController, '--port', port, '--device', '0', '--type', type, '--medium', medium]);
	await attach('0', 'dvddrive', where.seed);
	await attach('1', 'hdd', where.disk);
	if (where.share) {
		await manage(['sharedfolder', 'add', vm, '--name', where.share.name, '--hostpath', where.share.host, '--automount']);
		await manage(['setextradata', vm, `VBoxInternal2/SharedFoldersEnableSymlinksCreate/${where.share.name}`, '1']);
	}
}

/** The second NIC, on the host-only interface: docker-machine sets it at every start, so a changed network is picked up. */
export async function attachHostOnly(manage: Manage, config: VirtualBoxConfig, hostOnly: string): Promise<void> {
	await manage([
		'modifyvm',
		config.MachineName,
		'--nic2',
		'hostonly',
		'--nictype2',
		config.HostOnlyNicType,
		'--nicpromisc2',
		config.HostOnlyPromiscMode,
		'--hostonlyadapter2',
		hostOnly,
		'--cableconnected2',
		'on',
	]);
}
