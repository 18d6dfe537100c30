// The qemu driver's options as data, and its stored config.
import type {OptionSpec} from '../../options.js';
import {atLeast, thrownProblem} from '../fields.js';
import type {LocalVmConfig} from '../local-vm/config.js';
import {bootImageOptions, diskSizeOption, memoryOption} from '../local-vm/options.js';
import {binaryFor, guestArchs, nativeArch, type GuestArch} from './arch.js';
import {systemHost} from './host-platform.js';
import {parseForward} from './network.js';
import {shareKinds, shareTypes, type ShareType} from './share.js';

export type Accel = 'auto' | 'kvm' | 'hvf' | 'whpx' | 'tcg';

export type QemuConfig = LocalVmConfig & {
	/** The file the disk is an overlay on (in the cache, or the user's file). */
	ImagePath: string;
	Accel: Accel;
	/** What `auto` settled on at create, so later starts need no second probe. */
	AccelUsed: string;
	QemuBinary: string;
	EnginePort: number;
	/** `HOST:GUEST` TCP forwards beyond SSH and Docker, from --qemu-forward and `port`. */
	Forwards: string[];
	/** `HOST:GUEST`; empty for none. */
	ShareFolder: string;
	/** The guest's architecture; the QEMU program, machine, CPU, firmware and default image follow it. */
	Arch: GuestArch;
	/** How the folder is shared, chosen at create ('' until then): the seed's mount line is written for it. */
	ShareType: ShareType | '';
};

export const accels: readonly Accel[] = ['auto', 'kvm', 'hvf', 'whpx', 'tcg'];

function portOrZero(flag: string) {
	return (value: unknown) =>
		Number(value) >= 0 && Number(value) <= 65_535 ? undefined : `--${flag} ${String(value)} is not a port: use 1-65535, or 0 for a free port`;
}

export const options: readonly OptionSpec[] = [
	{
		name: 'qemu-cpu-count',
		type: 'int',
		envVar: 'QEMU_CPU_COUNT',
		default: 2,
		description: 'number of CPUs for the VM',
		validate: atLeast('qemu-cpu-count', 1),
	},
	memoryOption('qemu', 'QEMU', 2048),
	diskSizeOption('qemu', 'QEMU'),
	...bootImageOptions(
		'qemu',
		'QEMU',
		'',
		"the cloud image to boot: a URL (downloaded once into the cache) or a local qcow2 or raw file (default: Debian 12's generic image for the guest's architecture)",
	),
	{
		name: 'qemu-arch',
		type: 'string',
		envVar: 'QEMU_ARCH',
		default: nativeArch(systemHost),
		description: "the VM's architecture: x86_64 or aarch64; another than this computer's runs emulated (slow)",
		validate: value =>
			guestArchs.includes(String(value) as GuestArch) ? undefined : `--qemu-arch "${String(value)}" is not one of ${guestArchs.join(', ')}`,
	},
	{
		name: 'qemu-accel',
		type: 'string',
		envVar: 'QEMU_ACCEL',
		default: 'auto',
		description: 'acceleration: auto (kvm, hvf or whpx where offered and working, else tcg), kvm, hvf, whpx or tcg',
		validate: value => (accels.includes(String(value) as Accel) ? undefined : `--qemu-accel "${String(value)}" is not one of ${accels.join(', ')}`),
	},
	{
		name: 'qemu-binary',
		type: 'string',
		envVar: 'QEMU_BINARY',
		description: `the QEMU program (default: ${binaryFor('x86_64')} or ${binaryFor('aarch64')}, as --qemu-arch says, on the PATH)`,
		advanced: true,
	},
	{
		name: 'qemu-ssh-port',
		type: 'int',
		envVar: 'QEMU_SSH_PORT',
		default: 0,
		description: "port on 127.0.0.1 forwarded to the VM's SSH (0: a free port)",
		format: 'port',
		advanced: true,
		validate: portOrZero('qemu-ssh-port'),
	},
	{
		name: 'qemu-engine-port',
		type: 'int',
		envVar: 'QEMU_ENGINE_PORT',
		default: 0,
		description: "port on 127.0.0.1 forwarded to the VM's Docker daemon (0: a free port)",
		format: 'port',
		advanced: true,
		validate: portOrZero('qemu-engine-port'),
	},
	{
		name: 'qemu-forward',
		type: 'string-list',
		envVar: 'QEMU_FORWARD',
		description: 'forward a TCP port on 127.0.0.1 to the VM, HOST:GUEST (repeatable)',
		validate: thrownProblem(value => (value as string[]).map(item => parseForward(item, '--qemu-forward'))),
	},
	{
		name: 'qemu-share-folder',
		type: 'string',
		envVar: 'QEMU_SHARE_FOLDER',
		description: 'folder shared into the VM, HOST[:GUEST] (default: your home directory, at the same path)',
		format: 'file',
	},
	{
		name: 'qemu-share-type',
		type: 'string',
		envVar: 'QEMU_SHARE_TYPE',
		description: `how the folder is shared: ${shareTypes.map(type => shareKinds[type].summary).join(', ')}; default: virtiofs where virtiofsd is installed and runs as you, else 9p`,
		advanced: true,
		validate: value =>
			value === '' || shareTypes.includes(String(value) as ShareType)
				? undefined
				: `--qemu-share-type "${String(value)}" is not one of ${shareTypes.join(', ')}`,
	},
	{name: 'qemu-no-share', type: 'bool', envVar: 'QEMU_NO_SHARE', description: 'share no folder into the VM', advanced: true},
];
