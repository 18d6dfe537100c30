// What provisioning needs of a connection to the host.
import path from 'node:path';
import type {ExecOptions, ExecResult} from '../ssh/options.js';
import {shellQuote} from '../ssh/quote.js';

/**
 * What provisioning needs of a connection to the host. The SSH client is one; keeping the
 * provisioner to this surface keeps it testable and transport-agnostic.
 */
export type Remote = {
	exec(command: string, options?: ExecOptions): Promise<ExecResult>;
	/** Runs a script as root and returns its stdout; throws on a non-zero exit. */
	sudo(command: string, options?: ExecOptions): Promise<string>;
	upload(remotePath: string, content: string | Buffer, options: {mode: number; sudo?: boolean; signal?: AbortSignal}): Promise<void>;
	download(remotePath: string, options?: {sudo?: boolean; signal?: AbortSignal; maxBytes?: number}): Promise<Buffer>;
};

/** Writes a root-owned file only when its content differs; returns whether it changed. */
export async function writeIfChanged(remote: Remote, file: string, content: string, mode: number, signal?: AbortSignal): Promise<boolean> {
	const current = await remote.download(file, {sudo: true, signal}).catch(() => undefined);
	if (current?.toString('utf8') === content) return false;
	await remote.sudo(`mkdir -p ${shellQuote(path.posix.dirname(file))}`, {signal});
	await remote.upload(file, content, {mode, sudo: true, signal});
	return true;
}
