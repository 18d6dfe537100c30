// The MACHINE_STORAGE_PATH store: list, load, save, remove, lock.
import {AsyncLocalStorage} from 'node:async_hooks';
import {constants} from 'node:fs';
import {open, readFile, readdir, rm, stat, unlink, copyFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {MachineNotFoundError, MachinistError, errorMessage} from '../errors.js';
import {ensurePrivateDir, writeFileAtomic} from './files.js';
import type {HostRecord} from './host.js';
import {migrateHost} from './migrate.js';

/** A config.json that exists but cannot be used; it is reported and never overwritten. */
export class CorruptConfigError extends MachinistError {
	readonly machineName: string;
	readonly file: string;

	constructor(machineName: string, file: string, problem: string) {
		super(`Machine "${machineName}" has an unreadable config (${file}: ${problem}); fix the file, or remove the machine with "machinist rm -f ${machineName}"`);
		this.name = 'CorruptConfigError';
		this.machineName = machineName;
		this.file = file;
	}
}

export type StoreEntry =
	| {name: string; host: HostRecord; error?: undefined}
	| {name: string; host?: undefined; error: MachinistError};

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
	const fromEnv = env['MACHINE_STORAGE_PATH'];
	if (fromEnv) return path.resolve(fromEnv);
	return path.join(env['HOME'] ?? os.homedir(), '.docker', 'machine');
}

/**
 * Go's json.MarshalIndent escapes <, > and & inside strings; doing the same keeps our files
 * byte-identical to docker-machine's for the same record. The characters can only occur inside
 * JSON strings, so a plain replacement is exact.
 */
export function goJson(value: unknown, indent = ''): string {
	return JSON.stringify(value, null, indent)
		.replaceAll('<', '\\u003c')
		.replaceAll('>', '\\u003e')
		.replaceAll('&', '\\u0026');
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
	/** How long to wait for a lock someone else holds; default 30 s. */
	waitMs?: number;
	onBusy?: (holder: LockHolder | undefined) => void;
};

export type LockHolder = {pid: number; command: string};

/**
 * The docker-machine store: `<root>/certs`, `<root>/machines/<name>/config.json`. A machine
 * exists exactly when its directory does, as in docker-machine, so both tools can share a store.
 */
export class Store {
	readonly root: string;

	constructor(root: string) {
		this.root = path.resolve(root);
	}

	get machinesDir(): string {
		return path.join(this.root, 'machines');
	}

	get certsDir(): string {
		return path.join(this.root, 'certs');
	}

	machineDir(name: string): string {
		return path.join(this.machinesDir, name);
	}

	configPath(name: string): string {
		return path.join(this.machineDir(name), 'config.json');
	}

	/** Machine names: the non-hidden directories under machines/. */
	async names(): Promise<string[]> {
		let entries;
		try {
			entries = await readdir(this.machinesDir, {withFileTypes: true});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
			throw error;
		}

		return entries.filter(entry => entry.isDirectory() && !entry.name.startsWith('.')).map(entry => entry.name);
	}

	async exists(name: string): Promise<boolean> {
		try {
			return (await stat(this.machineDir(name))).isDirectory();
		} catch {
			return false;
		}
	}

	/**
	 * Reads and, if needed, migrates a machine's record. A migrated record is written back with
	 * the old bytes kept as config.json.bak, as docker-machine does.
	 */
	async load(name: string): Promise<HostRecord> {
		const file = this.configPath(name);
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'ENOENT' || code === 'ENOTDIR') {
				if (await this.exists(name)) throw new CorruptConfigError(name, file, 'the file is missing');
				throw new MachineNotFoundError(name);
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
				await copyFile(file, `${file}.bak`);
				await writeFileAtomic(file, serializeHost(result.host));
			});
		}

		return result.host;
	}

	/** Every machine, loaded; a machine that cannot be loaded is an entry with its error. */
	async loadAll(): Promise<StoreEntry[]> {
		const names = await this.names();
		return Promise.all(names.map(async (name): Promise<StoreEntry> => {
			try {
				return {name, host: await this.load(name)};
			} catch (error) {
				return {name, error: error instanceof MachinistError ? error : new MachinistError(errorMessage(error))};
			}
		}));
	}

	async save(host: HostRecord): Promise<void> {
		await ensurePrivateDir(this.root);
		await ensurePrivateDir(this.machinesDir);
		await ensurePrivateDir(this.machineDir(host.Name));
		await writeFileAtomic(this.configPath(host.Name), serializeHost(host));
	}

	async remove(name: string): Promise<void> {
		await rm(this.machineDir(name), {recursive: true, force: true});
	}

	/**
	 * Runs `work` holding the machine's lock file, so two processes touching one machine never
	 * interleave. The lock lives beside the machine directory (hidden, so docker-machine ignores
	 * it) and names its holder; a lock whose process is gone is taken over. `onBusy` is told each
	 * time the lock is found held by someone else (so a caller, or a test, can tell that it waits).
	 */
	async withLock<T>(name: string, work: () => Promise<T>, {waitMs = 30_000, onBusy}: LockWaitOptions = {}): Promise<T> {
		const lockFile = path.join(this.machinesDir, `.${name}.lock`);
		const held = heldLocks.getStore();
		// Re-entrant within one chain of calls (create saves, provision saves, …), not across
		// unrelated concurrent operations of the same process.
		if (held?.has(lockFile)) return work();
		await ensurePrivateDir(this.machinesDir);
		const deadline = Date.now() + waitMs;
		for (;;) {
			try {
				const handle = await open(lockFile, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
				await handle.writeFile(`${process.pid}\n${process.argv.slice(1).join(' ')}\n`);
				await handle.close();
				break;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
				const holder = await readLockHolder(lockFile);
				if (holder && !processAlive(holder.pid)) {
					await unlink(lockFile).catch(() => undefined);
					continue;
				}

				onBusy?.(holder);
				if (Date.now() >= deadline) {
					const who = holder ? `process ${holder.pid} (${holder.command})` : 'another process';
					throw new MachinistError(`Machine "${name}" is busy: ${who} holds ${lockFile}; wait for it to finish, or remove the file if that process is gone`);
				}

				await new Promise(resolve => {
					setTimeout(resolve, 50);
				});
			}
		}

		try {
			return await heldLocks.run(new Set([...(held ?? []), lockFile]), work);
		} finally {
			await unlink(lockFile).catch(() => undefined);
		}
	}
}

const heldLocks = new AsyncLocalStorage<ReadonlySet<string>>();

async function readLockHolder(lockFile: string): Promise<LockHolder | undefined> {
	try {
		const [pidLine = '', command = ''] = (await readFile(lockFile, 'utf8')).split('\n');
		const pid = Number.parseInt(pidLine, 10);
		return Number.isInteger(pid) && pid > 0 ? {pid, command} : undefined;
	} catch {
		return undefined;
	}
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
