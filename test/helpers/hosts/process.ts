/** Process, /proc, mount and lock helpers shared by the test-host modules. */
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type ExecResult = {code: number; stdout: string; stderr: string};

/**
 * Every program the helpers run gets this PATH and nothing else from the environment: a
 * developer's PATH (a different `ip`, `mount` or `tar` first), LANG or DOCKER_* must not change
 * what a test host is.
 */
export const systemPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function run(
	command: string,
	args: string[],
	options: {input?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void} = {},
): Promise<ExecResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? {PATH: systemPath, LANG: 'C.UTF-8'}});
		let stdout = '';
		let stderr = '';
		let pending = '';
		const onData = (chunk: Buffer, isStderr: boolean): void => {
			const text = chunk.toString('utf8');
			if (isStderr) stderr += text;
			else stdout += text;
			if (options.onLine) {
				pending += text;
				const lines = pending.split('\n');
				pending = lines.pop() ?? '';
				for (const line of lines) options.onLine(line);
			}
		};

		child.stdout.on('data', (chunk: Buffer) => {
			onData(chunk, false);
		});
		child.stderr.on('data', (chunk: Buffer) => {
			onData(chunk, true);
		});
		child.once('error', reject);
		child.once('close', (code, signal) => {
			if (options.onLine && pending !== '') options.onLine(pending);
			resolve({code: code ?? 128 + (signal ? signalNumber(signal) : 0), stdout, stderr});
		});
		// A command that does not read its input must not fail the call with EPIPE.
		child.stdin.on('error', () => undefined);
		child.stdin.end(options.input ?? '');
	});
}

function signalNumber(signal: NodeJS.Signals): number {
	return os.constants.signals[signal];
}

export async function runChecked(command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
	const result = await run(command, args, options);
	if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${lastLines(result.stderr + result.stdout, 30)}`);
	return result.stdout;
}

export function runSync(command: string, args: string[]): {code: number; output: string} {
	const result = spawnSync(command, args, {encoding: 'utf8', env: {PATH: systemPath, LANG: 'C.UTF-8'}, stdio: ['ignore', 'pipe', 'pipe']});
	return {code: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}`};
}

export function lastLines(text: string, count: number): string {
	return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The exit hook cannot await; this blocks the thread instead. */
export function sleepSync(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function commandExists(name: string): boolean {
	return systemPath.split(':').some(dir => {
		try {
			fs.accessSync(path.join(dir, name), fs.constants.X_OK);
			return true;
		} catch {
			return false;
		}
	});
}

export function errorCode(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Start time of a process (clock ticks since boot), to tell a live owner from a recycled pid. */
export function processStart(pid: number): string | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name in parentheses may contain spaces; fields after it are plain.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	} catch {
		return undefined;
	}
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return errorCode(error) === 'EPERM';
	}
}

export function childrenOf(pid: number): number[] {
	try {
		return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
	} catch {
		return [];
	}
}

export function readLink(file: string): string | undefined {
	try {
		return fs.readlinkSync(file);
	} catch {
		return undefined;
	}
}

export function comm(pid: number): string | undefined {
	try {
		return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
	} catch {
		return undefined;
	}
}

/** rm -rf that first unmounts whatever is mounted inside (a killed debootstrap leaves /proc). */
export function removeTree(dir: string): void {
	for (const mountPoint of mountsUnder(dir).toReversed()) runSync('umount', ['--lazy', mountPoint]);
	fs.rmSync(dir, {recursive: true, force: true, maxRetries: 3});
}

/** Mount points at or below dir, outermost first. */
export function mountsUnder(dir: string): string[] {
	const points: string[] = [];
	for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
		const mountPoint = unescapeMount(line.split(' ')[4] ?? '');
		if (mountPoint === dir || mountPoint.startsWith(`${dir}/`)) points.push(mountPoint);
	}

	return points;
}

export function unescapeMount(field: string): string {
	return field.replaceAll(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

// ---------------------------------------------------------------------------------------------
// Locks: flock(1) holds the lock for us and the kernel drops it if this process dies, so a crashed
// test run never leaves a lock that the next one has to guess about.

export async function withLock<T>(lockFile: string, action: () => Promise<T>): Promise<T> {
	fs.mkdirSync(path.dirname(lockFile), {recursive: true});
	const holder = spawn('flock', ['--exclusive', lockFile, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
		stdio: ['pipe', 'pipe', 'inherit'],
		env: {PATH: systemPath},
	});
	try {
		await new Promise<void>((resolve, reject) => {
			holder.once('error', reject);
			holder.once('exit', code => {
				reject(new Error(`flock ${lockFile} exited (${code})`));
			});
			holder.stdout.once('data', () => {
				resolve();
			});
		});
		return await action();
	} finally {
		holder.stdin.end();
		holder.removeAllListeners('exit');
	}
}
