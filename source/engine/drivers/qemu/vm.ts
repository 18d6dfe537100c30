// The QEMU process: which program, which accelerator, its command line, and starting it.
import {spawn} from 'node:child_process';
import {access, constants, rm} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import {forPlatform} from '../../programs.js';
import {ensureSocketDir} from '../../vm/sockets.js';
import {netdevArgument} from './network.js';
import type {Accel, QemuConfig} from './options.js';
import {shareArgs} from './share.js';

/** The machine's files; the seed is the local-VM layer's. */
export const files = {
	disk: 'disk.qcow2',
	pid: 'qemu.pid',
	serial: 'serial.log',
	socket: 'qmp.sock',
} as const;

export const shareTag = 'machinist-share0';

export function defaultBinary(): string {
	return process.arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

/** The package that provides QEMU, per system, for the "not installed" error. */
export function installHint(): string {
	const arch = process.arch === 'arm64' ? 'qemu-system-arm qemu-efi-aarch64' : 'qemu-system-x86';
	return forPlatform({
		darwin: 'brew install qemu',
		win32: 'winget install SoftwareFreedomConservancy.QEMU',
		other: `sudo apt-get install ${arch} qemu-utils (Debian, Ubuntu), sudo dnf install qemu-kvm qemu-img (Fedora), sudo pacman -S qemu-full (Arch)`,
	});
}

async function exists(file: string, mode = constants.F_OK): Promise<boolean> {
	return access(file, mode).then(
		() => true,
		() => false,
	);
}

/** The accelerators this computer offers, best first; tcg always works. */
export async function offeredAccels(): Promise<Accel[]> {
	switch (process.platform) {
		case 'linux': {
			return (await exists('/dev/kvm', constants.R_OK | constants.W_OK)) ? ['kvm', 'tcg'] : ['tcg'];
		}

		case 'darwin': {
			return ['hvf', 'tcg'];
		}

		case 'win32': {
			return ['whpx', 'tcg'];
		}

		default: {
			return ['tcg'];
		}
	}
}

/** arm64 guests boot UEFI firmware that comes with QEMU but lives in different places. */
async function aarch64Firmware(binary: string): Promise<string> {
	const candidates = [
		'/usr/share/qemu-efi-aarch64/QEMU_EFI.fd',
		'/usr/share/AAVMF/AAVMF_CODE.fd',
		'/usr/share/edk2/aarch64/QEMU_EFI.fd',
		path.join(path.dirname(path.dirname(binary)), 'share/qemu/edk2-aarch64-code.fd'),
	];
	for (const candidate of candidates) {
		if (await exists(candidate)) return candidate;
	}

	throw new MachinistError(`no UEFI firmware for arm64 guests found (looked in ${candidates.join(', ')}): install qemu-efi-aarch64`);
}

/** The paths a boot needs: the machine's files, the seed, the monitor socket. */
export type BootPaths = {disk: string; seed: string; serial: string; socket: string; pid: string};

export async function qemuArgs(config: QemuConfig, binary: string, paths: BootPaths, accel: string): Promise<string[]> {
	const arm = process.arch === 'arm64';
	const args = [
		'-name',
		`machinist-${config.MachineName},process=machinist-${config.MachineName}`,
		'-machine',
		arm ? 'virt' : 'q35',
		'-accel',
		accel,
		'-smp',
		String(config.CPU),
		'-m',
		String(config.Memory),
		...(arm ? ['-cpu', accel === 'tcg' ? 'cortex-a72' : 'host', '-bios', await aarch64Firmware(binary)] : []),
		'-drive',
		`if=virtio,file=${paths.disk},format=qcow2,discard=unmap`,
		'-drive',
		`if=virtio,file=${paths.seed},format=raw,readonly=on`,
		'-netdev',
		netdevArgument(config),
		'-device',
		'virtio-net-pci,netdev=net0',
		'-serial',
		`file:${paths.serial}`,
		'-display',
		'none',
		'-monitor',
		'none',
		'-qmp',
		`unix:${paths.socket},server=on,wait=off`,
		'-pidfile',
		paths.pid,
		'-daemonize',
	];
	const share = shareOf(config);
	if (share) args.push(...shareArgs(config.ShareType || '9p', share.host, shareTag, config.Memory, paths.socket));
	return args;
}

/** The folder shared into the VM, if any. */
export function shareOf(config: QemuConfig): {host: string; guest: string} | undefined {
	if (!config.ShareFolder) return undefined;
	const [host, guest] = config.ShareFolder.split(':');
	return {host: host!, guest: guest || host!};
}

/** Starts QEMU in the background; its own errors (a port in use, say) come back as one line. */
export async function launch(binary: string, args: string[], paths: BootPaths, machineDir: string, machine: string): Promise<void> {
	await ensureSocketDir(paths.socket);
	await rm(paths.socket, {force: true});
	await rm(paths.pid, {force: true});
	const stderr = await new Promise<{code: number | null; text: string}>((resolve, reject) => {
		const child = spawn(binary, args, {stdio: ['ignore', 'ignore', 'pipe'], cwd: machineDir});
		let text = '';
		child.stderr.on('data', (chunk: Buffer) => {
			text += chunk.toString('utf8');
		});
		child.once('error', reject);
		// The daemon keeps the pipe until it has set up; its errors come before that.
		child.once('close', code => {
			resolve({code, text});
		});
	});
	if (stderr.code === 0) return;
	const message = stderr.text.trim().split('\n').findLast(Boolean) ?? `exit status ${stderr.code}`;
	const port = /host forwarding rule 'tcp:127\.0\.0\.1:(\d+)-/.exec(stderr.text)?.[1];
	if (port)
		throw new MachinistError(
			`port ${port} on 127.0.0.1 is in use, so QEMU cannot forward it: stop what listens there, or choose another port (--qemu-ssh-port, --qemu-engine-port, --qemu-forward; 0 picks a free one)`,
		);
	if (/No space left/i.test(stderr.text)) throw new MachinistError(`no space left to start ${machine}: free some space in ${machineDir}`);
	throw new MachinistError(`QEMU could not start ${machine}: ${message.replace(/^qemu-system-\w+: /, '')}`);
}
