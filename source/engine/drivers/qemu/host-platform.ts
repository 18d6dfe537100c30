// The computer QEMU runs on, as the qemu driver needs to know it: its system and architecture,
// the accelerators it offers, where QEMU is installed and how to install it. One value, so tests
// can be a Mac or a Windows PC on Linux.
import {execFile} from 'node:child_process';
import {access, constants} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import {findProgram} from '../../programs.js';
import type {Accel} from './options.js';

export type HostPlatform = {
	platform: NodeJS.Platform;
	/** Node's name for the CPU: `x64`, `arm64`. */
	arch: string;
	/** Whether /dev/kvm can be opened for reading and writing. */
	kvmUsable(): Promise<boolean>;
	/** A `sysctl -n NAME` answer on macOS, undefined where there is none. */
	sysctl(name: string): Promise<string | undefined>;
};

export const systemHost: HostPlatform = {
	platform: process.platform,
	arch: process.arch,
	async kvmUsable() {
		return access('/dev/kvm', constants.R_OK | constants.W_OK).then(
			() => true,
			() => false,
		);
	},
	async sysctl(name) {
		return new Promise(resolve => {
			execFile('/usr/sbin/sysctl', ['-n', name], {timeout: 5000}, (error, stdout) => {
				resolve(error ? undefined : stdout.trim());
			});
		});
	},
};

/** The accelerators this computer offers, best first; tcg always works. */
export async function offeredAccels(host: HostPlatform): Promise<Accel[]> {
	switch (host.platform) {
		case 'linux': {
			return (await host.kvmUsable()) ? ['kvm', 'tcg'] : ['tcg'];
		}

		case 'darwin': {
			// Hypervisor.framework is missing in some VMs and on old Macs; macOS says so here.
			return (await host.sysctl('kern.hv_support')) === '1' ? ['hvf', 'tcg'] : ['tcg'];
		}

		case 'win32': {
			return ['whpx', 'tcg'];
		}

		default: {
			return ['tcg'];
		}
	}
}

/**
 * Where QEMU is looked for: the PATH, then, on a Mac, where Homebrew (Apple silicon, then Intel)
 * and MacPorts install it, since an app started from the Dock gets a PATH without them.
 */
export function qemuSearchEnv(env: NodeJS.ProcessEnv, host: HostPlatform): NodeJS.ProcessEnv {
	if (host.platform !== 'darwin') return env;
	const dirs = [...(env.PATH ?? '').split(':').filter(Boolean)];
	for (const dir of ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin']) if (!dirs.includes(dir)) dirs.push(dir);
	return {...env, PATH: dirs.join(':')};
}

/** The QEMU program (or a tool beside it) as a path: given with a slash, or found where QEMU is looked for. */
export function findQemuProgram(name: string, env: NodeJS.ProcessEnv, host: HostPlatform): string | undefined {
	return findProgram(name, qemuSearchEnv(env, host));
}

/** How to install QEMU for guests of an architecture, per system, for the "not installed" error. */
export function installHint(host: Pick<HostPlatform, 'platform'>, guest: 'x86_64' | 'aarch64'): string {
	switch (host.platform) {
		case 'darwin': {
			return 'brew install qemu';
		}

		case 'win32': {
			return 'winget install SoftwareFreedomConservancy.QEMU';
		}

		default: {
			const debian = guest === 'aarch64' ? 'qemu-system-arm qemu-efi-aarch64' : 'qemu-system-x86';
			const fedora = guest === 'aarch64' ? 'qemu-system-aarch64 edk2-aarch64' : 'qemu-kvm';
			return `sudo apt-get install ${debian} qemu-utils (Debian, Ubuntu), sudo dnf install ${fedora} qemu-img (Fedora), sudo pacman -S qemu-full (Arch)`;
		}
	}
}

/** What keeps the qemu driver from Windows, said at once rather than half-way through a create. */
export const windowsUnsupported =
	'the qemu driver does not run on Windows yet: QEMU there has no -daemonize (it would stop with this command) and its whpx acceleration is untested; use -d virtualbox, or machinist inside WSL 2';

/** Refuses hosts the driver is not built for, before anything is made. */
export function assertHostSupported(host: HostPlatform): void {
	if (host.platform === 'win32') throw new MachinistError(windowsUnsupported);
}

/** `QEMU emulator version 7.2.0 (Debian …)` → [7, 2]; undefined when the program says something else. */
export function parseQemuVersion(text: string): [number, number] | undefined {
	const match = /version (\d+)\.(\d+)/.exec(text);
	return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** The version line of a QEMU program, or undefined when it does not answer. */
export async function qemuVersion(binary: string): Promise<[number, number] | undefined> {
	return new Promise(resolve => {
		execFile(binary, ['--version'], {timeout: 10_000}, (error, stdout) => {
			resolve(error ? undefined : parseQemuVersion(stdout));
		});
	});
}

/**
 * A share from a Mac needs QEMU 7.0 or later: earlier versions have no 9p (`-virtfs`) on macOS.
 * Undefined when the share can be made.
 */
export function macShareProblem(host: HostPlatform, version: [number, number] | undefined, binary: string): string | undefined {
	if (host.platform !== 'darwin' || !version || version[0] >= 7) return undefined;
	return `QEMU ${version.join('.')} (${path.basename(binary)}) cannot share a folder from macOS (9p needs QEMU 7.0 or later): brew upgrade qemu, or use --qemu-no-share`;
}

/** The `-virtfs` options 9p has on macOS (QEMU 7.0+): the local backend only; no proxy helper. */
const macVirtfsOptions = new Set(['local', 'path', 'mount_tag', 'security_model', 'id', 'readonly', 'writeout', 'fmode', 'dmode', 'multidevs']);

/**
 * What in a Linux-made QEMU command line QEMU on macOS does not offer (memfd memory and
 * vhost-user devices are Linux's; 9p's proxy backend needs a Linux helper), or undefined.
 */
export function macArgsProblem(args: readonly string[]): string | undefined {
	for (const [index, arg] of args.entries()) {
		if (/memory-backend-memfd|vhost-user/.test(arg))
			return `QEMU on macOS has no ${arg.includes('memfd') ? 'memory-backend-memfd' : 'vhost-user'} (${arg})`;
		if (args[index - 1] !== '-virtfs') continue;
		const unknown = arg
			.split(',')
			.map(option => option.split('=')[0]!)
			.find(option => !macVirtfsOptions.has(option));
		if (unknown) return `QEMU on macOS has no -virtfs option ${unknown} (${arg})`;
	}

	return undefined;
}
