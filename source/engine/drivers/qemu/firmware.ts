// UEFI firmware for arm64 guests: the code, read-only, from wherever this system's packages put
// it, and a variable store that is the machine's own copy, so the boot entries a guest writes
// survive its restarts (and no two machines share one).
import {constants} from 'node:fs';
import {access, copyFile, open, stat} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import type {GuestArch} from './arch.js';
import type {HostPlatform} from './host-platform.js';

/** The machine's UEFI variable store, in its directory. */
export const varsFile = 'efi-vars.fd';

/** A firmware's code and the template of its variable store (absent: an empty store of the code's size). */
export type Firmware = {code: string; varsTemplate?: string};

/**
 * Where arm64 UEFI firmware is, as pflash images, best first. QEMU's own build (Homebrew,
 * MacPorts, Arch, a build from source) keeps it in share/qemu beside its bin/, made for that
 * QEMU, so that comes first; then where Debian and Fedora package it.
 */
export function firmwareCandidates(binary: string): Firmware[] {
	const qemuShare = (dir: string): Firmware => ({code: path.join(dir, 'edk2-aarch64-code.fd'), varsTemplate: path.join(dir, 'edk2-arm-vars.fd')});
	return [
		qemuShare(path.join(path.dirname(path.dirname(binary)), 'share/qemu')),
		// Debian and Ubuntu: qemu-efi-aarch64.
		{code: '/usr/share/AAVMF/AAVMF_CODE.fd', varsTemplate: '/usr/share/AAVMF/AAVMF_VARS.fd'},
		// Fedora: edk2-aarch64.
		{code: '/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw', varsTemplate: '/usr/share/edk2/aarch64/vars-template-pflash.raw'},
		// Homebrew (Apple silicon, Intel) and MacPorts, for a QEMU program given elsewhere.
		...['/opt/homebrew/share/qemu', '/usr/local/share/qemu', '/opt/local/share/qemu'].map(dir => qemuShare(dir)),
	];
}

async function readable(file: string): Promise<boolean> {
	return access(file, constants.R_OK).then(
		() => true,
		() => false,
	);
}

/** Which package brings arm64 UEFI firmware, per system, for the one-line error. */
function firmwarePackage(host: Pick<HostPlatform, 'platform'>): string {
	return host.platform === 'darwin'
		? 'brew install qemu (it comes with QEMU)'
		: 'sudo apt-get install qemu-efi-aarch64 (Debian, Ubuntu), sudo dnf install edk2-aarch64 (Fedora)';
}

/** The first firmware found, or one line naming the package to install. */
export async function findFirmware(binary: string, host: Pick<HostPlatform, 'platform'>, candidates = firmwareCandidates(binary)): Promise<Firmware> {
	const seen = new Set<string>();
	for (const candidate of candidates) {
		if (seen.has(candidate.code)) continue;
		seen.add(candidate.code);
		if (!(await readable(candidate.code))) continue;
		return {code: candidate.code, ...(candidate.varsTemplate && (await readable(candidate.varsTemplate)) ? {varsTemplate: candidate.varsTemplate} : {})};
	}

	throw new MachinistError(`no UEFI firmware for aarch64 guests found: install it with ${firmwarePackage(host)}`);
}

/**
 * The machine's variable store, made on its first boot from the template (or empty, which the
 * firmware formats); later boots keep it, with what the guest wrote.
 */
export async function ensureVarsStore(firmware: Firmware, machineDir: string): Promise<string> {
	const vars = path.join(machineDir, varsFile);
	if (await readable(vars)) return vars;
	if (firmware.varsTemplate) {
		await copyFile(firmware.varsTemplate, vars, constants.COPYFILE_EXCL);
	} else {
		// Both pflash units of the virt machine take images of the same size.
		const {size} = await stat(firmware.code);
		const handle = await open(vars, 'wx', 0o644);
		await handle.truncate(size);
		await handle.close();
	}

	return vars;
}

/** The command line for a guest's firmware: none for x86_64 (SeaBIOS is QEMU's default), UEFI in two pflash units for aarch64. */
export async function firmwareArgs(guest: GuestArch, binary: string, machineDir: string, host: Pick<HostPlatform, 'platform'>): Promise<string[]> {
	if (guest !== 'aarch64') return [];
	const firmware = await findFirmware(binary, host);
	const vars = await ensureVarsStore(firmware, machineDir);
	return [
		'-drive',
		`if=pflash,format=raw,unit=0,readonly=on,file=${escapeOption(firmware.code)}`,
		'-drive',
		`if=pflash,format=raw,unit=1,file=${escapeOption(vars)}`,
	];
}

/** A path inside a QEMU option list, where a comma is written twice. */
function escapeOption(value: string): string {
	return value.replaceAll(',', ',,');
}
