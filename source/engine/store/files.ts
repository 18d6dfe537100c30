// Private files and directories, written atomically.
import {randomBytes} from 'node:crypto';
import {mkdir, open, rename, rm, chmod} from 'node:fs/promises';
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
	const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
	const handle = await open(temporary, 'wx', mode);
	try {
		await handle.writeFile(data);
		await handle.sync();
	} catch (error) {
		await handle.close();
		await rm(temporary, {force: true});
		throw error;
	}

	await handle.close();
	try {
		// The umask may have narrowed the mode at creation; a wider umask cannot widen it.
		await chmod(temporary, mode);
		await rename(temporary, file);
	} catch (error) {
		await rm(temporary, {force: true});
		throw error;
	}
}

/** Creates a directory (and parents) owner-only, tightening an existing one that is wider. */
export async function ensurePrivateDir(dir: string): Promise<void> {
	await mkdir(dir, {recursive: true, mode: privateDirMode});
	await chmod(dir, privateDirMode);
}
