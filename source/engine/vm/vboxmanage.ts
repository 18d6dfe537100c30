// Running VBoxManage and reading what it prints: `--machinereadable` key=value lines, the
// `list` blocks, and its error texts turned into one-line errors that name the fix.
import {execFile} from 'node:child_process';
import {MachinistError} from '../errors.js';
import {pause} from '../polling.js';
import {forPlatform} from '../programs.js';

/** How to install VirtualBox, per system, for the "not installed" error. */
function installHint(): string {
	return forPlatform({
		darwin: 'brew install --cask virtualbox',
		win32: 'winget install Oracle.VirtualBox',
		other: 'the package from https://www.virtualbox.org/wiki/Linux_Downloads',
	});
}

export const vboxManageMissing = `VBoxManage not found: install VirtualBox (${installHint()}) and make sure VBoxManage is on the PATH, or use -d qemu`;

/** An error VBoxManage reported, with the lines it printed after `VBoxManage: error:`. */
export class VBoxManageError extends MachinistError {
	readonly args: readonly string[];
	readonly detail: string;

	constructor(args: readonly string[], detail: string) {
		super(`VBoxManage ${args[0] ?? ''} failed: ${firstErrorLine(detail)}`);
		this.name = 'VBoxManageError';
		this.args = args;
		this.detail = detail;
	}
}

/** The first `VBoxManage: error:` line without its prefix, or the last line of the text. */
export function firstErrorLine(text: string): string {
	const lines = text.split('\n').map(line => line.trim());
	const error = lines.find(line => /error:/i.test(line));
	if (error) return error.replace(/^VBoxManage(?:\.exe)?: error: /i, '');
	return lines.findLast(Boolean) ?? 'no output';
}

/** `env` is the engine's environment: its PATH finds VBoxManage. */
export type VBoxManageRunner = (args: readonly string[], options: {env: NodeJS.ProcessEnv; signal?: AbortSignal}) => Promise<string>;

/** docker-machine retried this message up to 5 times: VirtualBox's objects come up a moment after a call. */
const notReady = 'The object is not ready';
const retries = 5;

/**
 * Runs `VBoxManage ARGS` and gives its stdout. VBoxManage sometimes exits 0 after printing an
 * error, so stderr with `error:` is an error whatever the exit status (docker-machine did the same).
 */
export function vboxManage(binary = 'VBoxManage'): VBoxManageRunner {
	return async (args, options) => {
		for (let attempt = 1; ; attempt++) {
			const result = await new Promise<{code: number; stdout: string; stderr: string; missing: boolean}>((resolve, reject) => {
				execFile(binary, [...args], {env: options.env, signal: options.signal, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
					const failure = error as (NodeJS.ErrnoException & {code?: number | string}) | null;
					if (failure?.name === 'AbortError') {
						reject(failure);
						return;
					}

					resolve({
						code: failure ? (typeof failure.code === 'number' ? failure.code : 1) : 0,
						stdout,
						stderr,
						missing: failure?.code === 'ENOENT',
					});
				});
			});
			if (result.missing) throw new MachinistError(vboxManageMissing);
			const failed = result.code !== 0 || result.stderr.includes('error:');
			if (!failed) return result.stdout;
			if (result.stderr.includes(notReady) && attempt < retries) {
				await pause(1000, options.signal);
				continue;
			}

			throw new VBoxManageError(args, result.stderr.trim() || result.stdout.trim() || `exit status ${result.code}`);
		}
	};
}

/**
 * `showvminfo NAME --machinereadable`: one `key=value` a line; keys and values may be quoted
 * (`"SATA-0-0"="/path"`, `Forwarding(0)="ssh,tcp,127.0.0.1,58145,,22"`), numbers are bare.
 */
export function parseMachineReadable(text: string): Map<string, string> {
	const values = new Map<string, string>();
	for (const raw of text.split('\n')) {
		const line = raw.replace(/\r$/, '');
		const match = /^("(?:[^"\\]|\\.)*"|[^=]+)=(.*)$/.exec(line);
		if (!match) continue;
		values.set(unquote(match[1]!), unquote(match[2]!));
	}

	return values;
}

function unquote(text: string): string {
	if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replaceAll(/\\(["\\])/g, '$1');
	return text;
}

/** `list hostonlyifs`, `list dhcpservers`: blocks of `Key:   value` lines separated by blank lines. */
export function parseListBlocks(text: string): Array<Map<string, string>> {
	const blocks: Array<Map<string, string>> = [];
	let current = new Map<string, string>();
	for (const raw of text.split('\n')) {
		const line = raw.replace(/\r$/, '');
		if (line.trim() === '') {
			if (current.size > 0) blocks.push(current);
			current = new Map();
			continue;
		}

		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		current.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
	}

	if (current.size > 0) blocks.push(current);
	return blocks;
}

/** VMState of showvminfo → the machine state docker-machine reported. */
export function stateOfVmState(vmState: string | undefined): 'Running' | 'Paused' | 'Saved' | 'Stopped' | 'Starting' | 'Stopping' | 'None' {
	switch (vmState) {
		case 'running': {
			return 'Running';
		}

		case 'paused': {
			return 'Paused';
		}

		case 'saved': {
			return 'Saved';
		}

		case 'poweroff':
		case 'aborted': {
			return 'Stopped';
		}

		case 'starting':
		case 'restoring': {
			return 'Starting';
		}

		case 'stopping':
		case 'saving': {
			return 'Stopping';
		}

		default: {
			return 'None';
		}
	}
}

/** NAT port forwards of adapter 1, from `Forwarding(N)="name,proto,hostip,hostport,guestip,guestport"`. */
export function natForwards(info: ReadonlyMap<string, string>): Array<{name: string; protocol: string; hostIp: string; hostPort: number; guestPort: number}> {
	const forwards = [];
	for (const [key, value] of info) {
		if (!/^Forwarding\(\d+\)$/.test(key)) continue;
		const [name = '', protocol = '', hostIp = '', hostPort = '', , guestPort = ''] = value.split(',');
		forwards.push({name, protocol, hostIp, hostPort: Number(hostPort), guestPort: Number(guestPort)});
	}

	return forwards;
}

/** VirtualBox writes MACs as 12 hex digits (`080027AABBCC`); `ip` writes `08:00:27:aa:bb:cc`. */
export function normalizeMac(mac: string): string {
	return mac.replaceAll(/[^\da-f]/gi, '').toLowerCase();
}

/** The IPv4 address `ip addr show` lists for the interface with this MAC, if it has one. */
export function ipv4ForMac(ipAddrShow: string, mac: string): string | undefined {
	const wanted = normalizeMac(mac);
	// One block per interface: "2: eth1: <...>" then indented lines.
	for (const block of ipAddrShow.split(/\n(?=\d+: )/)) {
		const link = /link\/ether ([\da-f:]{17})/i.exec(block);
		if (!link || normalizeMac(link[1]!) !== wanted) continue;
		const inet = /^\s*inet (\d+\.\d+\.\d+\.\d+)\//m.exec(block);
		return inet?.[1];
	}

	return undefined;
}

/** Which VBoxManage message this is, so the driver can name the fix. */
export function classifyError(detail: string): 'not-found' | 'locked' | 'access-denied' | 'other' {
	if (/Could not find a registered machine/i.test(detail)) return 'not-found';
	if (/already locked|is locked/i.test(detail)) return 'locked';
	if (detail.includes('E_ACCESSDENIED')) return 'access-denied';
	return 'other';
}
