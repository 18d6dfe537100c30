/**
 * The real OpenSSH sshd on 127.0.0.1, run as root with its own config, host key and
 * authorized_keys in a temporary directory. Every sshd, and every process it started, is killed
 * when its test ends.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import type {ExecutionContext} from 'ava';
import {freePort} from '../../source/engine/vm/ports.js';
import type {Availability} from './real.js';
import {temporaryDir} from './store.js';

const execFileAsync = promisify(execFile);
const sshdPath = '/usr/sbin/sshd';

export function sshdAvailable(): Availability {
	if (process.platform !== 'linux') return {ok: false, why: `sshd tests need Linux, not ${process.platform}`};
	if (!existsSync(sshdPath)) return {ok: false, why: 'sshd is not installed; apt-get install openssh-server'};
	if (process.getuid?.() !== 0) return {ok: false, why: 'sshd must run as root to log in as root; run the tests as root (CI does)'};
	return {ok: true};
}

export type Sshd = {port: number; hostKeyLine: string; dir: string; stop(): Promise<void>; logs(): string};

/** Processes whose parent chain leads to `pid`, from /proc. */
function descendants(pid: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			// The command name may contain spaces and parentheses; the parent pid follows the last ')'.
			const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
		} catch {}
	}

	const found: number[] = [];
	const queue = [pid];
	while (queue.length > 0) {
		for (const child of children.get(queue.shift()!) ?? []) {
			found.push(child);
			queue.push(child);
		}
	}

	return found;
}

function killTree(pid: number, includeRoot: boolean): void {
	for (const child of descendants(pid)) {
		try {
			process.kill(child, 'SIGKILL');
		} catch {}
	}

	if (includeRoot) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {}
	}
}

const started = new Set<ChildProcess>();
// A crashed worker must not leave sshd listening; 'exit' handlers can only be synchronous.
process.once('exit', () => {
	for (const child of started) if (child.pid) killTree(child.pid, true);
});

/** A real OpenSSH sshd on 127.0.0.1 with its own config, host key and authorized_keys, stopped with the test. */
export async function startSshd(t: ExecutionContext, options: {authorizedKeys: string[]; port?: number; hostKeyFile?: string}): Promise<Sshd> {
	// sshd refuses to start without its privilege-separation directory; Debian's service unit
	// creates it at boot, which a container never ran.
	await mkdir('/run/sshd', {recursive: true, mode: 0o755});
	const dir = await temporaryDir(t, 'machinist-sshd-');
	const hostKeyFile = options.hostKeyFile ?? path.join(dir, 'host_key');
	if (!options.hostKeyFile) await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'host', '-f', hostKeyFile]);
	const hostKeyLine = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim();
	const authorizedKeys = path.join(dir, 'authorized_keys');
	await writeFile(authorizedKeys, options.authorizedKeys.map(line => `${line}\n`).join(''));
	const config = path.join(dir, 'sshd_config');
	await writeFile(
		config,
		[
			`AuthorizedKeysFile ${authorizedKeys}`,
			'PermitRootLogin prohibit-password',
			'StrictModes no',
			'UsePAM no',
			'PidFile none',
			'PasswordAuthentication no',
			'KbdInteractiveAuthentication no',
			'Subsystem sftp internal-sftp',
			'LogLevel VERBOSE',
			'',
		].join('\n'),
	);

	for (let attempt = 0; ; attempt++) {
		const port = options.port ?? (await freePort());
		const child = spawn(sshdPath, ['-D', '-e', '-f', config, '-p', String(port), '-o', 'ListenAddress=127.0.0.1', '-h', hostKeyFile], {
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		started.add(child);
		let log = '';
		child.stderr.on('data', (chunk: Buffer) => {
			log = (log + chunk.toString()).slice(-64 * 1024);
		});
		const stop = async (): Promise<void> => {
			if (child.pid) killTree(child.pid, true);
			started.delete(child);
			if (child.exitCode === null && child.signalCode === null) await new Promise(resolve => child.once('exit', resolve));
		};

		t.teardown(stop);
		const listening = await new Promise<boolean>(resolve => {
			const check = setInterval(() => {
				if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) finish(true);
			}, 20);
			const finish = (result: boolean): void => {
				clearInterval(check);
				child.off('exit', onExit);
				resolve(result);
			};

			const onExit = (): void => {
				finish(false);
			};

			child.once('exit', onExit);
		});
		if (listening) return {port, hostKeyLine, dir, stop, logs: () => log};
		await stop();
		if (attempt >= 3 || options.port !== undefined || !log.includes('Address already in use')) throw new Error(`sshd did not start: ${log}`);
	}
}
