import {createHash} from 'node:crypto';
import {mkdir, open, readFile, rm} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {MachinistError} from '../errors.js';

/**
 * What a local VM's process leaves on this computer and how to look at it: the pid file, the
 * serial console log, sockets, ports. Shared by local-VM drivers.
 */

/** sun_path is 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
const maxSocketPath = 100;

/**
 * Where a machine's monitor socket lives: in its directory when that path is short enough,
 * otherwise in a private directory under $XDG_RUNTIME_DIR (or the temp directory) named by a
 * hash of the machine directory, so a deep store path never breaks the socket.
 */
export function socketPathFor(machineDir: string, name: string, env: NodeJS.ProcessEnv): string {
	const inMachineDir = path.join(machineDir, name);
	if (Buffer.byteLength(inMachineDir) <= maxSocketPath) return inMachineDir;
	return path.join(shortRuntimeDir(machineDir, env), name);
}

export function shortRuntimeDir(machineDir: string, env: NodeJS.ProcessEnv): string {
	const base = env.XDG_RUNTIME_DIR && Buffer.byteLength(env.XDG_RUNTIME_DIR) < 60 ? env.XDG_RUNTIME_DIR : os.tmpdir().length < 60 ? os.tmpdir() : '/tmp';
	return path.join(base, `machinist-${createHash('sha256').update(machineDir).digest('hex').slice(0, 12)}`);
}

export async function ensureSocketDir(socketPath: string): Promise<void> {
	await mkdir(path.dirname(socketPath), {recursive: true, mode: 0o700});
}

/** Removes a socket, and its directory when that is one of ours under the runtime directory. */
export async function removeSocket(socketPath: string, machineDir: string): Promise<void> {
	await rm(socketPath, {force: true});
	const dir = path.dirname(socketPath);
	if (dir !== machineDir && path.basename(dir).startsWith('machinist-')) await rm(dir, {recursive: true, force: true});
}

export async function readPid(pidFile: string): Promise<number | undefined> {
	const text = await readFile(pidFile, 'utf8').catch(() => '');
	const pid = Number.parseInt(text.trim(), 10);
	return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * The VM's process, if the pid file names one that still runs and (where /proc tells) is the
 * process started for this machine, not a stranger that reused the pid.
 */
export async function runningPid(pidFile: string, marker: string): Promise<number | undefined> {
	const pid = await readPid(pidFile);
	if (pid === undefined || !isAlive(pid)) return undefined;
	const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
	if (commandLine !== undefined && !commandLine.includes(marker)) return undefined;
	return pid;
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (isAlive(pid)) {
		if (Date.now() >= deadline) return false;
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	return true;
}

/** The last lines of a console log, without escape sequences or carriage returns. */
export async function tailOfLog(file: string, lines: number, maxBytes = 64 * 1024): Promise<string[]> {
	let handle;
	try {
		handle = await open(file, 'r');
	} catch {
		return [];
	}

	try {
		const {size} = await handle.stat();
		const start = Math.max(0, size - maxBytes);
		const buffer = Buffer.alloc(size - start);
		await handle.read(buffer, 0, buffer.length, start);
		return buffer
			.toString('utf8')
			.replaceAll(/\u001B\[[\d;?]*[A-Za-z]|\u001B[()][A-Z0-9]|\u001Bc/g, '')
			.replaceAll('\r', '')
			.replaceAll(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '')
			.split('\n')
			.map(line => line.trimEnd())
			.filter(line => line !== '')
			.slice(-lines);
	} finally {
		await handle.close();
	}
}

/** A port on 127.0.0.1 nothing listens on now. */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => {
				resolve(port);
			});
		});
	});
}

/** Throws naming the flag when something on this computer already listens on 127.0.0.1:port. */
export async function assertPortFree(port: number, flag: string): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const server = net.createServer();
		server.once('error', (error: NodeJS.ErrnoException) => {
			reject(
				new MachinistError(
					error.code === 'EADDRINUSE'
						? `port ${port} on 127.0.0.1 is in use: choose another ${flag}, or 0 for a free port`
						: `cannot use port ${port} on 127.0.0.1 (${error.code ?? error.message}): choose another ${flag}`,
				),
			);
		});
		server.listen(port, '127.0.0.1', () => {
			server.close(() => {
				resolve();
			});
		});
	});
}

/**
 * Waits for an SSH server's banner through a port forward. A forward accepts connections even
 * while nothing listens inside the VM (and then closes them), so an open port proves nothing.
 */
export async function sshBannerAnswers(port: number, timeoutMs = 3000): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host: '127.0.0.1', port});
		const finish = (answer: boolean) => {
			clearTimeout(timer);
			socket.destroy();
			resolve(answer);
		};

		const timer = setTimeout(() => {
			finish(false);
		}, timeoutMs);
		socket.once('data', (chunk: Buffer) => {
			finish(chunk.toString('latin1').startsWith('SSH-'));
		});
		socket.once('error', () => {
			finish(false);
		});
		socket.once('end', () => {
			finish(false);
		});
	});
}
