// The virtualbox driver's options as data (docker-machine's flags, and the boot image), its
// stored config, and the share folder's two spellings.
import type {OptionSpec} from '../../options.js';
import {forPlatform} from '../../programs.js';
import {thrownProblem} from '../fields.js';
import type {LocalVmConfig} from '../local-vm/config.js';
import {debianImage} from '../local-vm/image.js';
import {bootImageOptions, diskSizeOption, memoryOption} from '../local-vm/options.js';
import {defaultHostOnlyCidr, parseHostOnlyCidr} from './network.js';

/** The fields docker-machine 0.16.2 writes for a virtualbox machine (so a shared store works both ways), and ours. */
export type VirtualBoxConfig = LocalVmConfig & {
	VBoxManager: Record<string, unknown>;
	HostInterfaces: Record<string, unknown>;
	NatNicType: string;
	Boot2DockerURL: string;
	Boot2DockerImportVM: string;
	HostDNSResolver: boolean;
	HostOnlyCIDR: string;
	HostOnlyNicType: string;
	HostOnlyPromiscMode: string;
	UIType: string;
	HostOnlyNoDHCP: boolean;
	NoShare: boolean;
	DNSProxy: boolean;
	NoVTXCheck: boolean;
	/** `hostdir:sharename`, as docker-machine took it; empty for the default. */
	ShareFolder: string;
};

/**
 * The qemu driver's Debian `generic` image in its raw form: VBoxManage converts raw images
 * itself. The generic kernel has Linux's vboxguest and vboxsf, which mount the shared folder.
 */
export const defaultRawImage = debianImage('raw');

/** docker-machine's default share per system: the folder holding the users' homes. */
export function defaultShare(): {host: string; name: string} {
	return forPlatform({
		darwin: {host: '/Users', name: 'Users'},
		win32: {host: String.raw`C:\Users`, name: 'c/Users'},
		other: {host: '/home', name: 'hosthome'},
	});
}

/**
 * docker-machine's `hostdir:sharename`; without a name, the path without its leading slash. A
 * Windows drive's colon (`C:\\Users`) is part of the path; names may hold slashes (`c/Users`).
 */
export function splitShareFolder(text: string): {host: string; name: string} {
	const colon = text.indexOf(':', /^[A-Za-z]:[/\\]/.test(text) ? 2 : 0);
	if (colon > 0) return {host: text.slice(0, colon), name: text.slice(colon + 1)};
	return {host: text, name: text.replaceAll(/^[/\\]+|:/g, '').replaceAll('\\', '/') || 'share'};
}

function oneOf(flag: string, values: readonly string[]) {
	return (value: unknown) => (values.includes(String(value)) ? undefined : `--${flag} "${String(value)}" is not one of ${values.join(', ')}`);
}

const nicTypes = ['Am79C970A', 'Am79C973', '82540EM', '82543GC', '82545EM', 'virtio'] as const;

const ignoredBoot2Docker = 'ignored: boot2docker is gone; the VM boots --virtualbox-boot-image';

export const options: readonly OptionSpec[] = [
	memoryOption('virtualbox', 'VIRTUALBOX', 1024),
	{
		name: 'virtualbox-cpu-count',
		type: 'int',
		envVar: 'VIRTUALBOX_CPU_COUNT',
		default: 1,
		description: "number of CPUs for the VM (0 or less: all of this computer's, at most 32)",
	},
	diskSizeOption('virtualbox', 'VIRTUALBOX'),
	...bootImageOptions(
		'virtualbox',
		'VIRTUALBOX',
		defaultRawImage.url,
		'the raw cloud image the VM boots: a URL (downloaded once into the cache) or a local file',
	),
	{name: 'virtualbox-boot2docker-url', type: 'string', envVar: 'VIRTUALBOX_BOOT2DOCKER_URL', description: ignoredBoot2Docker, advanced: true},
	{
		name: 'virtualbox-import-boot2docker-vm',
		type: 'string',
		envVar: 'VIRTUALBOX_BOOT2DOCKER_IMPORT_VM',
		description: ignoredBoot2Docker,
		advanced: true,
	},
	{
		name: 'virtualbox-host-dns-resolver',
		type: 'bool',
		envVar: 'VIRTUALBOX_HOST_DNS_RESOLVER',
		description: "use the host's DNS resolver for the VM",
		advanced: true,
	},
	{
		name: 'virtualbox-nat-nictype',
		type: 'string',
		envVar: 'VIRTUALBOX_NAT_NICTYPE',
		default: '82540EM',
		description: 'NIC type of the NAT network adapter',
		advanced: true,
		validate: oneOf('virtualbox-nat-nictype', nicTypes),
	},
	{
		name: 'virtualbox-hostonly-cidr',
		type: 'string',
		envVar: 'VIRTUALBOX_HOSTONLY_CIDR',
		default: defaultHostOnlyCidr,
		description:
			"the host's address and prefix on the host-only network (VirtualBox 6.1.28+ allows 192.168.56.0/21 unless /etc/vbox/networks.conf lists more)",
		validate: thrownProblem(value => parseHostOnlyCidr(String(value))),
	},
	{
		name: 'virtualbox-hostonly-nictype',
		type: 'string',
		envVar: 'VIRTUALBOX_HOSTONLY_NIC_TYPE',
		default: '82540EM',
		description: 'NIC type of the host-only network adapter',
		advanced: true,
		validate: oneOf('virtualbox-hostonly-nictype', nicTypes),
	},
	{
		name: 'virtualbox-hostonly-nicpromisc',
		type: 'string',
		envVar: 'VIRTUALBOX_HOSTONLY_NIC_PROMISC',
		default: 'deny',
		description: 'promiscuous mode of the host-only adapter: deny, allow-vms or allow-all',
		advanced: true,
		validate: oneOf('virtualbox-hostonly-nicpromisc', ['deny', 'allow-vms', 'allow-all']),
	},
	{
		name: 'virtualbox-ui-type',
		type: 'string',
		envVar: 'VIRTUALBOX_UI_TYPE',
		default: 'headless',
		description: 'how the VM is shown: headless, gui, sdl or separate',
		advanced: true,
		validate: oneOf('virtualbox-ui-type', ['headless', 'gui', 'sdl', 'separate']),
	},
	{
		name: 'virtualbox-hostonly-no-dhcp',
		type: 'bool',
		envVar: 'VIRTUALBOX_HOSTONLY_NO_DHCP',
		description: 'do not set up a DHCP server on the host-only network',
		advanced: true,
	},
	{name: 'virtualbox-no-share', type: 'bool', envVar: 'VIRTUALBOX_NO_SHARE', description: 'share no folder into the VM'},
	{
		name: 'virtualbox-no-dns-proxy',
		type: 'bool',
		envVar: 'VIRTUALBOX_NO_DNS_PROXY',
		description: "do not proxy the VM's DNS requests through the host",
		advanced: true,
	},
	{
		name: 'virtualbox-no-vtx-check',
		type: 'bool',
		envVar: 'VIRTUALBOX_NO_VTX_CHECK',
		description: 'skip the hardware virtualization check (VirtualBox itself says when VT-x/AMD-V is missing)',
		advanced: true,
	},
	{
		name: 'virtualbox-share-folder',
		type: 'string',
		envVar: 'VIRTUALBOX_SHARE_FOLDER',
		description: 'folder shared into the VM at the same path, HOSTDIR[:SHARENAME] (default: /home as hosthome; /Users on macOS)',
		format: 'file',
	},
];
