// The QEMU process: which program, which accelerator, its command line, and starting it.
import {spawn} from 'node:child_process';
import {rm} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import {ensureSocketDir} from '../../vm/sockets.js';
import {machineArgs, nativeArch} from './arch.js';
import {firmwareArgs} from './firmware.js';
import {installHint as hostInstallHint, macArgsProblem, systemHost, type HostPlatform} from './host-platform.js';
import {netdevArgument} from './network.js';
import type {QemuConfig} from './options.js';
import {shareArgs} from './share.js';

/** The machine's files; the seed is the local-VM layer's. */
export const files = {
	disk: 'disk.qcow2',
	pid: 'qemu.pid',
	serial: 'serial.log',
	socket: 'qmp.sock',
} as const;

export const shareTag = 'machinist-share0';

/** How to install QEMU on this computer (for its tools, whatever the guest), for the "not installed" error. */
export function installHint(): string {
	return hostInstallHint(systemHost, nativeArch(systemHost));
}

/** The paths a boot needs: the machine's files, the seed, the monitor socket. */
export type BootPaths = {disk: string; seed: string; serial: string; socket: string; pid: string};

/** The command line of a boot; the machine, CPU and firmware follow the guest's architecture. */
export async function qemuArgs(config: QemuConfig, binary: string, paths: BootPaths, accel: string, host: HostPlatform = systemHost): Promise<string[]> {
	const args = [
		'-name',
		`machinist-${config.MachineName},process=machinist-${config.MachineName}`,
		...machineArgs(config.Arch, accel),
		'-accel',
		accel,
		'-smp',
		String(config.CPU),
		'-m',
		String(config.Memory),
		...(await firmwareArgs(config.Arch, binary, path.dirname(paths.disk), host)),
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
	const macProblem = host.platform === 'darwin' ? macArgsProblem(args) : undefined;
	if (macProblem) throw new MachinistError(`cannot start ${config.MachineName}: ${macProblem}`);
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
