// How the host folder reaches the guest: the share types QEMU offers here, each as the device on
// QEMU's command line, the guest's mount, and (for virtiofs) the daemon that serves it.
import {spawn} from 'node:child_process';
import {closeSync, openSync} from 'node:fs';
import {access, constants, readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import {findProgram} from '../../programs.js';
import {waitUntil} from '../../polling.js';
import {runningPid} from '../../pid-files.js';

export type ShareType = '9p' | '9p-mmap' | '9p-loose' | 'virtiofs';

type ShareKind = {
	/** How `create --help` names it. */
	summary: string;
	/** The guest's file system and mount options. */
	fs: '9p' | 'virtiofs';
	options: string;
};

/**
 * Linux caps a 9p message at 512000 bytes on virtio; QEMU takes what the guest asks. Today's 9p
 * keeps the 256 KiB it always had, so a machine made before keeps its mount line.
 */
const ninePee = (cache: string, msize: number) => `trans=virtio,version=9p2000.L,msize=${msize},cache=${cache}`;

export const shareKinds: Readonly<Record<ShareType, ShareKind>> = {
	virtiofs: {summary: 'virtiofs (through virtiofsd; the VM rechecks after 1 s)', fs: 'virtiofs', options: ''},
	'9p': {summary: '9p (no cache)', fs: '9p', options: ninePee('none', 262_144)},
	'9p-mmap': {summary: '9p-mmap', fs: '9p', options: ninePee('mmap', 512_000)},
	'9p-loose': {summary: '9p-loose (host changes to files the VM has read may go unseen)', fs: '9p', options: ninePee('loose', 512_000)},
};

export const shareTypes = Object.keys(shareKinds) as ShareType[];

/**
 * virtiofs where it shows the VM the files as 9p does: for root, or through the Rust virtiofsd,
 * which runs as the user. The C one QEMU 7 ships (Debian 12) runs for a user only as root of a
 * user namespace of its own: the VM then sees the user's files as root's, and a non-root user in
 * the VM (a container's `--user 1000`) cannot write to them. There, and where there is no
 * virtiofsd (macOS's QEMU has no virtiofs), 9p.
 */
export function defaultShareType(env: NodeJS.ProcessEnv, root = process.getuid?.() === 0): ShareType {
	const binary = virtiofsdBinary(env);
	return binary && (root || isRustVirtiofsd(binary)) ? 'virtiofs' : '9p';
}

/** The C virtiofsd came with QEMU and lives in its folder; the Rust one is a package of its own. */
function isRustVirtiofsd(binary: string): boolean {
	return !binary.includes('/qemu/');
}

/** virtiofsd's socket: beside QEMU's monitor socket, with a name as long, so it fits wherever that one does. */
export function virtiofsSocket(monitorSocket: string): string {
	return path.join(path.dirname(monitorSocket), 'vfs.sock');
}

/** QEMU's arguments for the machine's one share. */
export function shareArgs(type: ShareType, host: string, tag: string, memoryMiB: number, monitorSocket: string): string[] {
	const device = shareDeviceArgs(type, {host, tag, id: 'share0', socket: virtiofsSocket(monitorSocket)});
	return shareKinds[type].fs === 'virtiofs' ? [...sharedMemoryArgs(memoryMiB), ...device] : device;
}

/** QEMU's arguments for one share; virtiofs's `socket` is the daemon's. */
export function shareDeviceArgs(type: ShareType, share: {host: string; tag: string; id: string; socket?: string}): string[] {
	if (shareKinds[type].fs === 'virtiofs') {
		return ['-chardev', `socket,id=${share.id},path=${share.socket}`, '-device', `vhost-user-fs-pci,chardev=${share.id},tag=${share.tag}`];
	}

	return ['-virtfs', `local,path=${share.host},mount_tag=${share.tag},security_model=none,id=${share.id}`];
}

/** virtiofs reads the guest's memory, so it must be a shared backend, which `-m` alone is not. */
export function sharedMemoryArgs(memoryMiB: number): string[] {
	return ['-object', `memory-backend-memfd,id=mem,size=${memoryMiB}M,share=on`, '-numa', 'node,memdev=mem'];
}

/**
 * virtiofsd: the Rust one (Debian 13, Ubuntu, Fedora: /usr/libexec; Arch: /usr/lib), or the C
 * one QEMU 7 shipped (Debian 12: /usr/lib/qemu), or one on the PATH.
 */
export function virtiofsdBinary(env: NodeJS.ProcessEnv): string | undefined {
	if (process.platform !== 'linux') return undefined;
	return ['/usr/libexec/virtiofsd', '/usr/lib/virtiofsd', '/usr/lib/qemu/virtiofsd'].find(file => findProgram(file, env)) ?? findProgram('virtiofsd', env);
}

/**
 * The command line that serves `dir` on `socket`. The C virtiofsd wants root (a pid and mount
 * namespace, and /run/virtiofsd for its lock); for anyone else it runs in a user namespace of
 * its own with a private /run, as root there and the user outside, so files the VM makes are
 * the user's. The Rust one runs unprivileged with `--sandbox none`.
 */
export function virtiofsdCommand(binary: string, dir: string, socket: string, root = process.getuid?.() === 0): string[] {
	if (isRustVirtiofsd(binary)) {
		return [binary, `--socket-path=${socket}`, `--shared-dir=${dir}`, '--cache=auto', ...(root ? [] : ['--sandbox=none'])];
	}

	const command = [binary, `--socket-path=${socket}`, '-o', `source=${dir}`, '-o', 'cache=auto'];
	if (root) return command;
	return ['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec "$@"', 'virtiofsd', ...command];
}

/**
 * Starts virtiofsd in the background and waits for its socket. It serves one connection and
 * exits when QEMU closes it, so it lives exactly as long as the VM; its pid file lets a kill
 * that comes before QEMU connects end it.
 */
export async function startVirtiofsd(command: string[], socket: string, pidFile: string, log: string): Promise<void> {
	await rm(socket, {force: true});
	const output = openSync(log, 'w');
	const child = spawn(command[0]!, command.slice(1), {detached: true, stdio: ['ignore', output, output]});
	closeSync(output);
	let exited: number | null | undefined;
	child.once('exit', code => {
		exited = code;
	});
	child.once('error', () => {
		exited = -1;
	});
	child.unref();
	await writeFile(pidFile, `${child.pid}\n`);
	const ready = await waitUntil(
		async () =>
			exited !== undefined ||
			access(socket, constants.F_OK).then(
				() => true,
				() => false,
			),
		{intervalMs: 50, timeoutMs: 10_000},
	);
	if (!ready || exited !== undefined) {
		const said = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').findLast(Boolean) ?? 'no output';
		await stopVirtiofsd(pidFile, socket);
		throw new MachinistError(`virtiofsd did not start (${said}): use --qemu-share-type 9p, or see ${path.basename(log)} in the machine directory`);
	}
}

/** Ends a virtiofsd that QEMU never connected to (or left behind): the one whose command line names `socket`. */
export async function stopVirtiofsd(pidFile: string, socket: string): Promise<void> {
	const pid = await runningPid(pidFile, socket);
	if (pid !== undefined) {
		try {
			process.kill(pid, 'SIGTERM');
		} catch {
			// It exited between the check and the kill.
		}
	}

	await rm(pidFile, {force: true});
}
