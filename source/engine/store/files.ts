// Private files and directories, written atomically. Through fs.promises, which Node loads on
// first use: a command that only reads the store never pays for it.
import fs from 'node:fs';
import path from 'node:path';

/** Owner-only: the store holds private keys and machine credentials. */
export const privateDirMode = 0o700;
export const privateFileMode = 0o600;

/**
 * Writes a file so readers see either the old or the new content, never a torn one: the data
 * goes to a temporary file in the same directory (same filesystem, so rename is atomic), is
 * flushed, then renamed over the target.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = privateFileMode): Promise<void> {
	await writeFilesAtomic([[file, data, mode]]);
}

/** Several files that belong together: all are written and flushed before the first is renamed into place. */
export async function writeFilesAtomic(files: ReadonlyArray<readonly [file: string, data: string | Uint8Array, mode: number]>): Promise<void> {
	const temporaries: string[] = [];
	try {
		for (const [file, data, mode] of files) temporaries.push(await writeTemporary(file, data, mode));
		for (const [index, [file]] of files.entries()) await fs.promises.rename(temporaries[index]!, file);
	} catch (error) {
		await Promise.all(temporaries.map(async temporary => fs.promises.rm(temporary, {force: true})));
		throw error;
	}
}

// Unique without node:crypto, which would cost every command's start-up about 5 ms: the pid
// tells processes apart, the clock a reused pid, the counter this process's own writes. The
// exclusive open below refuses a name that is somehow taken rather than writing through it.
let temporaryCount = 0;

/**
 * The temporary files writeTemporary makes (`.NAME.PID.TIME.COUNT.tmp`; earlier versions wrote
 * `.NAME.PID.HEX8.tmp`), with the writer's pid: the store sweeps those whose writer is gone.
 */
export const temporaryFilePattern = /^\..+\.(\d+)\.(?:[\da-f]{8}|[\da-z]+\.[\da-z]+)\.tmp$/;

async function writeTemporary(file: string, data: string | Uint8Array, mode: number): Promise<string> {
	const unique = `${process.pid}.${Date.now().toString(36)}.${(temporaryCount++).toString(36)}`;
	const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${unique}.tmp`);
	const handle = await fs.promises.open(temporary, 'wx', mode);
	try {
		await handle.writeFile(data);
		await handle.sync();
	} catch (error) {
		await handle.close();
		await fs.promises.rm(temporary, {force: true});
		throw error;
	}

	await handle.close();
	try {
		// The umask may have narrowed the mode at creation; a wider umask cannot widen it.
		await fs.promises.chmod(temporary, mode);
	} catch (error) {
		await fs.promises.rm(temporary, {force: true});
		throw error;
	}

	return temporary;
}

/**
 * Creates a directory and its missing parents owner-only. Directories that exist are left as
 * they are: a store the user put in a shared place (say, mode 1777) is theirs to set.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
	const first = await fs.promises.mkdir(dir, {recursive: true, mode: privateDirMode});
	if (first === undefined) return;
	// The umask may have narrowed the new ones below owner-only use; it cannot have widened them.
	for (let created = path.resolve(dir); ; created = path.dirname(created)) {
		await fs.promises.chmod(created, privateDirMode);
		if (created === path.resolve(first) || created === path.dirname(created)) break;
	}
}

/** Whether others may write in the directory (a warning: they could replace the machines in it). */
export async function worldWritable(dir: string): Promise<boolean> {
	try {
		return ((await fs.promises.stat(dir)).mode & 0o002) !== 0;
	} catch {
		return false;
	}
}
