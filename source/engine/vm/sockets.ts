// Where a local VM's monitor socket lives: in the machine directory, or under a short runtime
// directory when a deep store path would not fit a socket's address.
import {createHash} from 'node:crypto';
import {mkdir, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

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
