/**
 * Moving small files (certificates, keys, config) to and from a machine. Content always travels
 * as data, over SFTP or a command's stdin, never inside a command line: docker-machine put PEM
 * private keys into `printf '%s' '…' | sudo tee` commands, where `ps` on the host shows them.
 */
import type {SFTPWrapper} from 'ssh2';
import {MachinistError} from '../errors.js';
import {shellQuote} from './quote.js';

/** `0644` for 0o644; refuses anything that is not a permission mode. */
export function formatMode(mode: number): string {
	if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
		throw new MachinistError(`${String(mode)} is not a file mode; give a number such as 0o600`);
	}

	return mode.toString(8).padStart(4, '0');
}

/**
 * A script that stores its stdin as `remotePath` with `mode`. It writes a private temporary file
 * next to the target and renames it over, so the target is never half-written and never
 * readable with looser permissions than `mode`, and a symlink at the target is replaced, not
 * followed.
 */
export function uploadScript(remotePath: string, mode: number): string {
	const target = shellQuote(remotePath);
	return [
		'umask 077',
		`if [ -d ${target} ]; then echo ${shellQuote(`${remotePath} is a directory`)} >&2; exit 1; fi`,
		`t=$(mktemp ${shellQuote(`${remotePath}.XXXXXX`)}) || exit 1`,
		`if cat > "$t" && chmod ${formatMode(mode)} "$t" && mv -f "$t" ${target}; then exit 0; fi`,
		'rm -f "$t"',
		'exit 1',
	].join('\n');
}

/** A script that prints the file; `--` keeps a path starting with a dash from becoming an option. */
export function downloadScript(remotePath: string): string {
	return `cat -- ${shellQuote(remotePath)}`;
}

type SftpError = Error & {code?: number};

async function sftpCall<T>(call: (callback: (error: SftpError | null | undefined, value: T) => void) => void): Promise<T> {
	return new Promise((resolve, reject) => {
		call((error, value) => {
			if (error) reject(error);
			else resolve(value);
		});
	});
}

// SFTP packets are limited to about 32 KiB of data by most servers.
const chunkBytes = 32 * 1024;

/**
 * Writes `data` to `remotePath` as the login user. The file gets `mode` before any data is in
 * it, so a secret is never readable with an older, looser mode.
 */
export async function sftpWrite(sftp: SFTPWrapper, remotePath: string, data: Buffer, mode: number): Promise<void> {
	const handle = await sftpCall<Buffer>(callback => {
		sftp.open(remotePath, 'w', {mode}, callback);
	});
	try {
		// open() applies the mode only when it creates the file.
		await sftpCall<void>(callback => {
			sftp.fchmod(handle, mode, error => {
				callback(error, undefined);
			});
		});
		for (let offset = 0; offset < data.length; offset += chunkBytes) {
			const length = Math.min(chunkBytes, data.length - offset);
			await sftpCall<void>(callback => {
				sftp.write(handle, data, offset, length, offset, error => {
					callback(error, undefined);
				});
			});
		}
	} finally {
		await sftpCall<void>(callback => {
			sftp.close(handle, error => {
				callback(error, undefined);
			});
		}).catch(() => undefined);
	}
}

export class RemoteFileTooLargeError extends MachinistError {
	constructor(remotePath: string, hostLabel: string, maxBytes: number) {
		super(`${remotePath} on ${hostLabel} is larger than ${maxBytes} bytes; copy it with "machinist scp" instead`);
		this.name = 'RemoteFileTooLargeError';
	}
}

/** Reads a small file as the login user. */
export async function sftpRead(sftp: SFTPWrapper, remotePath: string, maxBytes: number, hostLabel: string): Promise<Buffer> {
	const attributes = await sftpCall<{size: number}>(callback => {
		sftp.stat(remotePath, callback);
	});
	if (attributes.size > maxBytes) throw new RemoteFileTooLargeError(remotePath, hostLabel, maxBytes);
	return sftpCall<Buffer>(callback => {
		sftp.readFile(remotePath, callback);
	});
}

/** An SFTP status error in the words ssh(1) uses, e.g. "No such file" or "Permission denied". */
export function sftpReason(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
