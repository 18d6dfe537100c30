// The guest's architecture (--qemu-arch), as Lima's `arch` and Colima's `--arch`: the QEMU
// program, machine type, CPU model, firmware and default image follow it, not the computer's.
// A guest of another architecture than the computer's runs emulated (tcg).
import {MachinistError} from '../../errors.js';
import {debianImage} from '../local-vm/image.js';
import type {HostPlatform} from './host-platform.js';

export type GuestArch = 'x86_64' | 'aarch64';

export const guestArchs: readonly GuestArch[] = ['x86_64', 'aarch64'];

/** The guest architecture a computer runs natively: its own (an x86 Mac or PC: x86_64, Apple silicon: aarch64). */
export function nativeArch(host: Pick<HostPlatform, 'arch'>): GuestArch {
	return host.arch === 'arm64' ? 'aarch64' : 'x86_64';
}

/** Whether the guest has to be emulated on this computer. */
export function isForeign(guest: GuestArch, host: Pick<HostPlatform, 'arch'>): boolean {
	return guest !== nativeArch(host);
}

/** The QEMU program for a guest architecture. */
export function binaryFor(guest: GuestArch): string {
	return guest === 'aarch64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

/** Debian 12's generic cloud image for the guest's architecture. */
export function defaultImageFor(guest: GuestArch): {url: string; checksum: string} {
	return debianImage('qcow2', guest === 'aarch64' ? 'arm64' : 'x64');
}

/** The one line that says a guest runs emulated, and what that costs. */
export function emulationNotice(guest: GuestArch, host: Pick<HostPlatform, 'arch'>): string {
	return `${guest} is not this computer's architecture (${nativeArch(host)}): the VM runs emulated (tcg), so expect boots of several minutes and everything inside it to be many times slower`;
}

/**
 * The accelerator a boot may use: a foreign guest has only tcg, whatever is offered; a native
 * one gets `auto`'s first offer or the one asked for, if offered.
 */
export function chooseAccel(asked: string, offered: readonly string[], guest: GuestArch, host: Pick<HostPlatform, 'arch'>): string {
	if (isForeign(guest, host)) {
		if (asked === 'auto' || asked === 'tcg') return 'tcg';
		throw new MachinistError(`--qemu-accel ${asked} cannot run ${guest} guests on this ${nativeArch(host)} computer: use --qemu-accel auto or tcg`);
	}

	if (asked === 'auto') return offered[0] ?? 'tcg';
	if (asked !== 'tcg' && !offered.includes(asked))
		throw new MachinistError(`this computer does not offer ${asked} acceleration: use --qemu-accel auto or tcg`);
	return asked;
}

/** The machine type and CPU model of a guest under an accelerator. */
export function machineArgs(guest: GuestArch, accel: string): string[] {
	if (guest === 'aarch64') {
		// cortex-a72 is the fastest model to emulate (`max` adds pointer authentication, slow under tcg).
		return ['-machine', 'virt', '-cpu', accel === 'tcg' ? 'cortex-a72' : 'host'];
	}

	// Nested KVM here aborts on `-cpu host` (an MSR error), so only hvf gets the host's model.
	return ['-machine', 'q35', ...(accel === 'hvf' ? ['-cpu', 'host'] : [])];
}
