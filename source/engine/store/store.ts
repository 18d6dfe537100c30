// The MACHINE_STORAGE_PATH store: list, load, save, remove, lock.
import {AsyncLocalStorage} from 'node:async_hooks';
import fs, {constants, readFileSync, readdirSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {MachineNotFoundError, MachinistError, errorMessage} from '../errors.js';
import {pause} from '../polling.js';
import {busyStates, type BusyState} from '../state.js';
import {ensurePrivateDir, temporaryFilePattern, writeFileAtomic} from './files.js';
import {assertUsableMachineName, followDirectory, type HostRecord} from './host.js';
import {migrateHost} from './migrate.js';

/** A config.json that exists but cannot be used; it is reported and never overwritten. */
export class CorruptConfigError extends MachinistError {
	readonly machineName: string;
	readonly file: string;

	constructor(machineName: string, file: string, problem: string) {
		super(
			`Machine "${machineName}" has an unreadable config (${file}: ${problem}); fix the file, or remove the machine with "machinist rm -f ${machineName}"`,
		);
		this.name = 'CorruptConfigError';
		this.machineName = machineName;
		this.file = file;
	}
}

export type StoreEntry =
	/** `recordName`: the name config.json gives, when it is not the directory's (the machine was renamed or copied). */
	| {name: string; host: HostRecord; error?: undefined; recordName?: string; operation?: BusyState}
	| {name: string; host?: undefined; error: MachinistError; recordName?: undefined; operation?: BusyState};

export function defaultStorePath(env: NodeJS.ProcessEnv): string {
	const fromEnv = env.MACHINE_STORAGE_PATH;
	if (fromEnv) return path.resolve(fromEnv);
	return path.join(env.HOME ?? os.homedir(), '.docker', 'machine');
}

/**
 * Go's json.MarshalIndent escapes <, > and & inside strings; doing the same keeps our files
 * byte-identical to docker-machine's for the same record. The characters can only occur inside
 * JSON strings, so a plain replacement is exact.
 */
export function goJson(value: unknown, indent = ''): string {
	return JSON.stringify(value, null, indent)
		.replaceAll('<', String.raw`\u003c`)
		.replaceAll('>', String.raw`\u003e`)
		.replaceAll('&', String.raw`\u0026`);
}

const hostKeyOrder = ['ConfigVersion', 'Driver', 'DriverName', 'HostOptions', 'Name'] as const;

/** config.json as docker-machine writes it: Go's field order, 4-space indent, no final newline. */
export function serializeHost(host: HostRecord): string {
	const ordered: Record<string, unknown> = {};
	for (const key of hostKeyOrder) ordered[key] = host[key];
	for (const [key, value] of Object.entries(host)) {
		if (!(key in ordered)) ordered[key] = value;
	}

	return goJson(ordered, '    ');
}

function checkShape(host: HostRecord): string | undefined {
	if (host.Driver === null || typeof host.Driver !== 'object') return 'no "Driver" object';
	if (typeof host.DriverName !== 'string' || host.DriverName === '') return 'no "DriverName"';
	if (host.HostOptions === null || typeof host.HostOptions !== 'object') return 'no "HostOptions" object';
	if (host.HostOptions.AuthOptions === null || typeof host.HostOptions.AuthOptions !== 'object') {
		return 'no "HostOptions.AuthOptions" object';
	}

	return undefined;
}

export type LockWaitOptions = {
	/** Written into the lock, so others can tell what the holder is doing. */
	operation?: string;
	/** How long to wait for a lock someone else holds; default 30 s. */
	waitMs?: number;
	onBusy?: (holder: LockHolder | undefined) => void;
};

/**
 * The docker-machine store: `<root>/certs`, `<root>/machines/<name>/config.json`. A machine
 * exists exactly when its directory does, as in docker-machine, so both tools can share a store.
 */
export class Store {
	readonly root: string;
	/** The name the user invoked, for the hint in "does not exist" (`docker-machine ls` through a link). */
	readonly program: string;

	constructor(root: string, program = 'machinist') {
		this.root = path.resolve(root);
		this.program = program;
	}

	get machinesDir(): string {
		return path.join(this.root, 'machines');
	}

	get certsDir(): string {
		return path.join(this.root, 'certs');
	}

	/** Every path made from a machine name comes from here, so every name is checked first. */
	machineDir(name: string): string {
		assertUsableMachineName(name);
		return path.join(this.machinesDir, name);
	}

	lockFile(name: string): string {
		assertUsableMachineName(name);
		return path.join(this.machinesDir, `.${name}.lock`);
	}

	configPath(name: string): string {
		return path.join(this.machineDir(name), 'config.json');
	}

	// Reads are synchronous: each is one short system call on a local file, and a command like
	// `ls -q` or `env` would otherwise spend more time handing them to Node's thread pool (and
	// loading fs/promises) than reading. Writes stay asynchronous; fs.promises loads when one is made.

	/** Machine names: the non-hidden directories under machines/. */
	async names(): Promise<string[]> {
		let entries;
		try {
			entries = readdirSync(this.machinesDir, {withFileTypes: true});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
			throw error;
		}

		return entries.filter(entry => entry.isDirectory() && !entry.name.startsWith('.')).map(entry => entry.name);
	}

	async exists(name: string): Promise<boolean> {
		try {
			return statSync(this.machineDir(name)).isDirectory();
		} catch {
			return false;
		}
	}

	/**
	 * Reads and, if needed, migrates a machine's record. A migrated record is written back with
	 * the old bytes kept as config.json.bak, as docker-machine does.
	 */
	async load(name: string): Promise<HostRecord> {
		return (await this.loadRecord(name)).host;
	}

	/**
	 * The record as its directory names it, and the name config.json itself gives. The
	 * directory is the identity: the returned record's name and machine paths follow it; the
	 * file is rewritten only by the next save (`provision`).
	 */
	async loadRecord(name: string): Promise<{host: HostRecord; recordName: string}> {
		const file = this.configPath(name);
		let text: string;
		try {
			text = readFileSync(file, 'utf8');
		} catch (error) {
			const {code} = error as NodeJS.ErrnoException;
			if (code === 'ENOENT' || code === 'ENOTDIR') {
				if (await this.exists(name)) throw new CorruptConfigError(name, file, 'the file is missing');
				throw new MachineNotFoundError(name, this.program);
			}

			throw new CorruptConfigError(name, file, errorMessage(error));
		}

		let raw: unknown;
		try {
			raw = JSON.parse(text);
		} catch (error) {
			throw new CorruptConfigError(name, file, text.trim() === '' ? 'the file is empty' : errorMessage(error));
		}

		let result;
		try {
			result = migrateHost(raw, this.root);
		} catch (error) {
			throw new CorruptConfigError(name, file, errorMessage(error));
		}

		const problem = checkShape(result.host);
		if (problem) throw new CorruptConfigError(name, file, problem);
		if (result.migrated) {
			await this.withLock(name, async () => {
				await fs.promises.copyFile(file, `${file}.bak`);
				await writeFileAtomic(file, serializeHost(result.host));
			});
		}

		return {host: followDirectory(result.host, this.root, name), recordName: typeof result.host.Name === 'string' ? result.host.Name : ''};
	}

	/**
	 * Every machine, loaded; a machine that cannot be loaded is an entry with its error, and one
	 * whose lock a live process holds carries that operation (a create writes its record only
	 * part way through). Locks and temporary files of killed processes are swept on the way.
	 */
	async loadAll(): Promise<StoreEntry[]> {
		await this.sweep();
		const names = await this.names();
		return Promise.all(
			names.map(async (name): Promise<StoreEntry> => {
				const operation = await this.operationOf(name);
				const busy = operation ? {operation} : {};
				try {
					const {host, recordName} = await this.loadRecord(name);
					return recordName === name ? {name, host, ...busy} : {name, host, recordName, ...busy};
				} catch (error) {
					return {name, error: error instanceof MachinistError ? error : new MachinistError(errorMessage(error)), ...busy};
				}
			}),
		);
	}

	/** The operation a live process is running on the machine (from its lock), if any. */
	async operationOf(name: string): Promise<BusyState | undefined> {
		const holder = await readLockHolder(this.lockFile(name));
		if (!holder || !holderAlive(holder)) return undefined;
		return busyStates.find(state => state === holder.operation);
	}

	/**
	 * Removes what killed processes left behind: lock files whose holder is gone, and the
	 * temporary files of atomic writes they never finished.
	 */
	async sweep(): Promise<void> {
		let entries;
		try {
			entries = readdirSync(this.machinesDir, {withFileTypes: true});
		} catch {
			return;
		}

		await Promise.all(
			entries.map(async entry => {
				const file = path.join(this.machinesDir, entry.name);
				if (entry.isFile() && /^\..+\.lock$/.test(entry.name)) {
					await removeIfStale(file);
				} else if (entry.isDirectory() && !entry.name.startsWith('.')) {
					await removeAbandonedTemporaries(file);
				}
			}),
		);
	}

	/**
	 * Writes a machine's record into its existing directory. It never makes the directory: a
	 * machine removed meanwhile stays removed, and only `claim` makes a new one.
	 */
	async save(host: HostRecord): Promise<void> {
		try {
			await writeFileAtomic(this.configPath(host.Name), serializeHost(host));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MachineNotFoundError(host.Name, this.program);
			throw error;
		}
	}

	/**
	 * Makes a new machine's directory, failing if it exists: of two creates of one name, exactly
	 * one gets it. Parents are made owner-only when missing and left alone when present.
	 */
	async claim(name: string): Promise<void> {
		const dir = this.machineDir(name);
		await ensurePrivateDir(this.machinesDir);
		try {
			await fs.promises.mkdir(dir, {mode: 0o700});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new MachinistError(`Docker machine "${name}" already exists`);
			throw error;
		}
	}

	async remove(name: string): Promise<void> {
		await fs.promises.rm(this.machineDir(name), {recursive: true, force: true});
	}

	/**
	 * Runs `work` holding the machine's lock file, so two processes touching one machine never
	 * interleave. The lock lives beside the machine directory (hidden, so docker-machine ignores
	 * it) and names its holder; a lock whose process is gone is taken over. `onBusy` is told each
	 * time the lock is found held by someone else (so a caller, or a test, can tell that it waits).
	 */
	async withLock<T>(name: string, work: () => Promise<T>, options: LockWaitOptions = {}): Promise<T> {
		const lockFile = this.lockFile(name);
		const waitMs = options.waitMs ?? 30_000;
		const held = heldLocks.getStore();
		// Re-entrant within one chain of calls (create saves, provision saves, …), not across
		// unrelated concurrent operations of the same process.
		if (held?.has(lockFile)) return work();
		await ensurePrivateDir(this.machinesDir);
		const deadline = Date.now() + waitMs;
		for (;;) {
			try {
				const handle = await fs.promises.open(lockFile, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
				try {
					await handle.writeFile(lockContent(options.operation));
				} finally {
					await handle.close();
				}

				break;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
				const holder = await readLockHolder(lockFile);
				if (await removeIfStale(lockFile)) continue;

				options.onBusy?.(holder);
				if (Date.now() >= deadline) {
					const who = holder ? `process ${holder.pid} (${holder.command})` : 'another process';
					throw new MachinistError(
						`${name === certificatesLock ? "The store's certificates are" : `Machine "${name}" is`} busy: ${who} holds ${lockFile}; wait for it to finish, or remove the file if that process is gone`,
					);
				}

				await pause(50);
			}
		}

		try {
			return await heldLocks.run(new Set([...(held ?? []), lockFile]), work);
		} finally {
			await fs.promises.unlink(lockFile).catch(() => undefined);
		}
	}

	/**
	 * withLock for a machine loaded before its lock was taken: another process may have removed
	 * it while this one waited, and work on a removed machine would write into a directory that
	 * is gone (or make it again, half). That is the same answer as if it had never existed.
	 */
	async withMachineLock<T>(name: string, work: () => Promise<T>, options: LockWaitOptions = {}): Promise<T> {
		return this.withLock(
			name,
			async () => {
				if (!(await this.exists(name))) throw new MachineNotFoundError(name, this.program);
				return work();
			},
			options,
		);
	}
}

/**
 * The lock of the store's CA and client certificate (`#` cannot start a machine name, so it never
 * collides with a machine's): held while they are made or rotated, and while they are read.
 */
export const certificatesLock = '#certs';

const heldLocks = new AsyncLocalStorage<ReadonlySet<string>>();

/**
 * The holder's pid, command line, operation and start time (so a pid reused by an unrelated
 * process does not keep a dead holder's lock alive).
 */
function lockContent(operation = ''): string {
	return `${process.pid}\n${process.argv.slice(1).join(' ')}\n${operation}\n${processStartTime(process.pid) ?? ''}\n`;
}

export type LockHolder = {pid: number; command: string; operation: string; startTime?: string};

export async function readLockHolder(lockFile: string): Promise<LockHolder | undefined> {
	try {
		const [pidLine = '', command = '', operation = '', startTime = ''] = readFileSync(lockFile, 'utf8').split('\n');
		const pid = Number.parseInt(pidLine, 10);
		return Number.isInteger(pid) && pid > 0 ? {pid, command, operation, ...(startTime ? {startTime} : {})} : undefined;
	} catch {
		return undefined;
	}
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function processStartTime(pid: number): string | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	} catch {
		return undefined;
	}
}

export function holderAlive(holder: LockHolder): boolean {
	try {
		process.kill(holder.pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
	}

	if (holder.startTime === undefined) return true;
	const now = processStartTime(holder.pid);
	return now === undefined || now === holder.startTime;
}

/** The temporary files of atomic writes whose writer is gone. */
async function removeAbandonedTemporaries(dir: string): Promise<void> {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		return;
	}

	await Promise.all(
		names.map(async name => {
			const match = temporaryFilePattern.exec(name);
			if (match && !holderAlive({pid: Number(match[1]), command: '', operation: ''})) await fs.promises.rm(path.join(dir, name), {force: true});
		}),
	);
}

/** A lock file with no holder yet is being written; one this old was left by a killed process. */
const unwrittenLockMs = 5000;

/**
 * Removes a lock whose holder is gone. Several processes may find the same stale lock at once;
 * a breaker file lets one of them decide, so none can delete a lock another has just taken.
 */
export async function removeIfStale(lockFile: string): Promise<boolean> {
	const breaker = `${lockFile}.break`;
	let handle;
	try {
		handle = await fs.promises.open(breaker, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
		// A breaker left by a process killed while breaking would block every later one.
		const age = await fs.promises.stat(breaker).then(
			info => Date.now() - info.mtimeMs,
			() => 0,
		);
		if (age > unwrittenLockMs) await fs.promises.unlink(breaker).catch(() => undefined);
		return false;
	}

	try {
		await handle.close();
		const holder = await readLockHolder(lockFile);
		const stale = holder
			? !holderAlive(holder)
			: await fs.promises.stat(lockFile).then(
					info => Date.now() - info.mtimeMs > unwrittenLockMs,
					() => false,
				);
		if (stale) await fs.promises.unlink(lockFile).catch(() => undefined);
		return stale;
	} finally {
		await fs.promises.unlink(breaker).catch(() => undefined);
	}
}
