/**
 * Host-key pinning. docker-machine accepted any host key (`StrictHostKeyChecking=no`), so
 * anyone on the path could read the TLS keys it uploaded. We trust the key the machine shows on
 * first contact (the driver created it moments before) and refuse any other key afterwards.
 *
 * Pins live in the machine directory as an OpenSSH `known_hosts` file, so the system `ssh`
 * binary enforces the same pins with the options from `sshHostKeyOptions`.
 */
import {createHash, createHmac} from 'node:crypto';
import {open, readFile, rename, unlink} from 'node:fs/promises';
import {MachinistError, errorMessage} from '../errors.js';
import {joinHostPort} from './errors.js';

/** `SHA256:` and the unpadded base64 SHA-256 of the wire-format key, as `ssh-keygen -lf` shows. */
export function hostKeyFingerprint(key: Buffer): string {
	return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The type name a wire-format key starts with, such as `ssh-ed25519`. */
export function hostKeyType(key: Buffer): string {
	const length = key.length >= 4 ? key.readUInt32BE(0) : -1;
	if (length <= 0 || 4 + length > key.length) throw new MachinistError('The SSH server sent a malformed host key; it does not speak standard SSH');
	return key.toString('latin1', 4, 4 + length);
}

/** How known_hosts names a host: bare for port 22, `[host]:port` otherwise; ssh lowercases names. */
export function knownHostsName(host: string, port: number): string {
	const name = host.toLowerCase();
	return port === 22 ? name : `[${name}]:${port}`;
}

export type PinnedKey = {keyType: string; key: Buffer; fingerprint: string};

type Entry = PinnedKey & {patterns: string};

// Host key types OpenSSH uses in known_hosts, with the algorithms that show such a key in a handshake.
const algorithmsByKeyType: Record<string, string[]> = {
	'ssh-ed25519': ['ssh-ed25519'],
	'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
	'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
	'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
	'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** ssh2's host-key algorithms, in its order of preference. */
const defaultHostKeyAlgorithms = Object.values(algorithmsByKeyType).flat();

function parseEntry(line: string): Entry | undefined {
	const fields = line.trim().split(/\s+/);
	// Comments, blank lines, and marker lines (@cert-authority, @revoked), which machinist never writes.
	if (fields.length < 3 || fields[0]!.startsWith('#') || fields[0]!.startsWith('@')) return undefined;
	const [patterns, keyType, base64] = fields as [string, string, string];
	const key = Buffer.from(base64, 'base64');
	if (key.length === 0) return undefined;
	try {
		if (hostKeyType(key) !== keyType) return undefined;
	} catch {
		return undefined;
	}

	return {patterns, keyType, key, fingerprint: hostKeyFingerprint(key)};
}

/** Whether a comma-separated known_hosts host list names `name`; hashed (`|1|salt|hmac`) entries too. */
function patternsMatch(patterns: string, name: string): boolean {
	let matched = false;
	for (const raw of patterns.split(',')) {
		const negated = raw.startsWith('!');
		const pattern = negated ? raw.slice(1) : raw;
		let hit: boolean;
		if (pattern.startsWith('|1|')) {
			// `|1|salt|hash`
			const fields = pattern.split('|');
			const salt = fields[2] ?? '';
			const hash = fields[3] ?? '';
			hit = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
		} else {
			hit = pattern.toLowerCase() === name;
		}

		if (hit && negated) return false;
		if (hit) matched = true;
	}

	return matched;
}

async function readKnownHosts(file: string): Promise<string> {
	try {
		return await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
		throw new MachinistError(`Could not read the pinned SSH host keys in ${file}: ${errorMessage(error)}`, {cause: error});
	}
}

async function writeKnownHosts(file: string, content: string): Promise<void> {
	const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
	try {
		const handle = await open(temporary, 'w', 0o600);
		try {
			await handle.writeFile(content);
		} finally {
			await handle.close();
		}

		// A reader (ssh, another machinist) sees the old file or the new one, never half of one.
		await rename(temporary, file);
	} catch (error) {
		await unlink(temporary).catch(() => undefined);
		throw new MachinistError(`Could not record the SSH host key in ${file}: ${errorMessage(error)}; check that the machine directory is writable`, {
			cause: error,
		});
	}
}

/** The keys pinned for `host:port`. */
export async function readPins(knownHostsFile: string, host: string, port: number): Promise<PinnedKey[]> {
	const name = knownHostsName(host, port);
	const pins: PinnedKey[] = [];
	for (const line of (await readKnownHosts(knownHostsFile)).split('\n')) {
		const entry = parseEntry(line);
		if (entry && patternsMatch(entry.patterns, name)) pins.push({keyType: entry.keyType, key: entry.key, fingerprint: entry.fingerprint});
	}

	return pins;
}

/**
 * Pins a key for `host:port` unless it is pinned already. `key` is the wire-format key or a
 * public key line (`ssh-ed25519 AAAA…`), e.g. a host key generated for cloud-init before boot.
 */
export async function pinHostKey(knownHostsFile: string, host: string, port: number, key: Buffer | string): Promise<PinnedKey> {
	const wire = typeof key === 'string' ? Buffer.from(key.trim().split(/\s+/)[1] ?? '', 'base64') : key;
	let keyType: string;
	try {
		keyType = hostKeyType(wire);
	} catch (error) {
		if (typeof key !== 'string') throw error;
		throw new MachinistError(`Cannot pin "${key.slice(0, 40)}": it is not a public key line such as "ssh-ed25519 AAAA…"`, {cause: error});
	}

	if (typeof key === 'string' && key.trim().split(/\s+/)[0] !== keyType) {
		throw new MachinistError(`Cannot pin "${key.slice(0, 40)}": its type does not match the key inside`);
	}

	const pin = {keyType, key: wire, fingerprint: hostKeyFingerprint(wire)};
	const content = await readKnownHosts(knownHostsFile);
	const name = knownHostsName(host, port);
	const known = content.split('\n').some(line => {
		const entry = parseEntry(line);
		return entry !== undefined && entry.key.equals(wire) && patternsMatch(entry.patterns, name);
	});
	if (known) return pin;
	const separator = content === '' || content.endsWith('\n') ? '' : '\n';
	await writeKnownHosts(knownHostsFile, `${content}${separator}${name} ${keyType} ${wire.toString('base64')}\n`);
	return pin;
}

/**
 * Forgets the keys pinned for `host:port`, for a machine that was rebuilt; the next connection
 * pins the key it then finds. Returns how many keys were removed.
 */
export async function resetPin(knownHostsFile: string, host: string, port: number): Promise<number> {
	const content = await readKnownHosts(knownHostsFile);
	if (content === '') return 0;
	const name = knownHostsName(host, port);
	const kept: string[] = [];
	let removed = 0;
	for (const line of content.split('\n')) {
		const entry = parseEntry(line);
		if (entry && patternsMatch(entry.patterns, name)) removed++;
		else kept.push(line);
	}

	if (removed > 0) await writeKnownHosts(knownHostsFile, kept.join('\n'));
	return removed;
}

export class HostKeyMismatchError extends MachinistError {
	readonly hostLabel: string;
	/** `host:port` as connected to. */
	readonly address: string;
	readonly pinnedFingerprint: string;
	readonly presentedFingerprint: string;

	constructor(details: {hostLabel: string; address: string; pinned: PinnedKey; presented: PinnedKey; program?: string}) {
		const program = details.program ?? 'machinist';
		// Fingerprints of different key types look alike; say so when the type changed too.
		const typed = details.pinned.keyType !== details.presented.keyType;
		const pinned = typed ? `${details.pinned.fingerprint} (${details.pinned.keyType})` : details.pinned.fingerprint;
		const presented = typed ? `${details.presented.fingerprint} (${details.presented.keyType})` : details.presented.fingerprint;
		super(
			`Host key of "${details.hostLabel}" (${details.address}) changed: pinned ${pinned}, now ${presented}. If the host was rebuilt, run "${program} ssh --reset-host-key ${details.hostLabel}"; otherwise someone may be intercepting the connection.`,
		);
		this.name = 'HostKeyMismatchError';
		this.hostLabel = details.hostLabel;
		this.address = details.address;
		this.pinnedFingerprint = details.pinned.fingerprint;
		this.presentedFingerprint = details.presented.fingerprint;
	}
}

export type HostKeyCheckOptions = {
	knownHostsFile: string;
	host: string;
	port: number;
	/** The machine name, for messages. */
	hostLabel: string;
	program?: string;
};

/** What ssh2 needs to enforce the pins for one connection. */
export type HostKeyCheck = {
	/** For ssh2's `hostVerifier`: true for the pinned key, or for any key when none is pinned yet. */
	readonly hostVerifier: (key: Buffer) => boolean;
	/**
	 * For ssh2's `algorithms.serverHostKey`: the pinned key types first, so a server with several
	 * host keys shows the one we pinned. Undefined when nothing is pinned (ssh2's defaults apply).
	 */
	readonly serverHostKeyAlgorithms: string[] | undefined;
	/** Why `hostVerifier` refused the key, once it has. */
	readonly mismatch: HostKeyMismatchError | undefined;
	/** The key accepted on first use, once seen. */
	readonly firstSeen: PinnedKey | undefined;
	/**
	 * Pins the first-seen key. Call it after the handshake has completed, when the server has
	 * proved it holds the key; before that anyone could have sent it.
	 */
	commit(): Promise<void>;
};

export async function createHostKeyCheck(options: HostKeyCheckOptions): Promise<HostKeyCheck> {
	const pins = await readPins(options.knownHostsFile, options.host, options.port);
	const address = joinHostPort(options.host, options.port);
	let mismatch: HostKeyMismatchError | undefined;
	let firstSeen: PinnedKey | undefined;

	const pinnedTypes = new Set(pins.map(pin => pin.keyType));
	const preferred = defaultHostKeyAlgorithms.filter(algorithm => [...pinnedTypes].some(type => algorithmsByKeyType[type]?.includes(algorithm)));
	const serverHostKeyAlgorithms =
		pins.length === 0 ? undefined : [...preferred, ...defaultHostKeyAlgorithms.filter(algorithm => !preferred.includes(algorithm))];

	const hostVerifier = (key: Buffer): boolean => {
		let presented: PinnedKey;
		try {
			presented = {keyType: hostKeyType(key), key, fingerprint: hostKeyFingerprint(key)};
		} catch {
			return false;
		}

		// ssh2 asks again at every re-key; the first key seen is the only one allowed afterwards.
		const allowed = pins.length > 0 ? pins : firstSeen ? [firstSeen] : [];
		if (allowed.length === 0) {
			firstSeen = presented;
			return true;
		}

		if (allowed.some(pin => pin.key.equals(key))) return true;
		const pinned = allowed.find(pin => pin.keyType === presented.keyType) ?? allowed[0]!;
		mismatch = new HostKeyMismatchError({hostLabel: options.hostLabel, address, pinned, presented, program: options.program});
		return false;
	};

	return {
		hostVerifier,
		serverHostKeyAlgorithms,
		get mismatch() {
			return mismatch;
		},
		get firstSeen() {
			return firstSeen;
		},
		async commit() {
			if (pins.length > 0 || firstSeen === undefined) return;
			pins.push(await pinHostKey(options.knownHostsFile, options.host, options.port, firstSeen.key));
		},
	};
}

/**
 * A path as ssh reads it in an `-o Key=value` option: `%` doubled (ssh expands `%` tokens in
 * file options) and, when it has blanks, quotes or backslashes, in double quotes with those
 * escaped (ssh splits option values into words).
 */
export function sshOptionPath(file: string, alwaysQuote = false): string {
	const escaped = file.replaceAll('%', '%%');
	if (!alwaysQuote && !/[\s"'\\]/.test(escaped)) return escaped;
	return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', String.raw`\"`)}"`;
}

/**
 * Options that make the system `ssh` (or `scp`, `rsync -e ssh`) enforce the same pins. ssh
 * expands `%` tokens in the path and splits it at spaces unless quoted, so both are escaped.
 */
export function sshHostKeyOptions(knownHostsFile: string): string[] {
	return [
		'-o',
		`UserKnownHostsFile=${sshOptionPath(knownHostsFile)}`,
		// A system-wide entry for the same address (say, a previous VM with this IP) must not interfere.
		'-o',
		'GlobalKnownHostsFile=/dev/null',
		'-o',
		'StrictHostKeyChecking=yes',
		// ssh must not add the host's other keys to our file behind our back.
		'-o',
		'UpdateHostKeys=no',
	];
}
