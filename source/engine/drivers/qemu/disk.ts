// The machine's disk: a qcow2 overlay on the cached image, measured and made by qemu-img.
import {execFile} from 'node:child_process';
import path from 'node:path';
import {promisify} from 'node:util';
import {MachinistError} from '../../errors.js';
import type {CachedImage} from '../../images/cache.js';
import {installHint} from './vm.js';

const execFileAsync = promisify(execFile);

/** qemu-img beside the QEMU program given as a path, else on the PATH. */
export function qemuImgFor(binary: string): string {
	return binary.includes('/') ? path.join(path.dirname(binary), 'qemu-img') : 'qemu-img';
}

/** Runs a QEMU tool; its failure comes back as one line saying what to do. */
export async function runTool(program: string, args: string[], where: {storePath: string; machine: string}, signal?: AbortSignal): Promise<string> {
	try {
		const {stdout} = await execFileAsync(program, args, {signal, maxBuffer: 4 * 1024 * 1024});
		return stdout;
	} catch (error) {
		signal?.throwIfAborted();
		const failure = error as NodeJS.ErrnoException & {stderr?: string};
		if (failure.code === 'ENOENT') throw new MachinistError(`QEMU is not installed (${program} not found): install it with ${installHint()}`);
		const detail = (failure.stderr ?? '').trim().split('\n').pop() ?? failure.message;
		if (/No space left/i.test(detail))
			throw new MachinistError(`no space left for ${where.machine}'s disk in ${path.dirname(where.storePath)}: free some space`);
		throw new MachinistError(`${path.basename(program)} failed: ${detail}`);
	}
}

export async function virtualSizeMiB(qemuImg: string, image: CachedImage, where: {storePath: string; machine: string}): Promise<number> {
	const output = await runTool(qemuImg, ['info', '--output=json', '-f', image.format, image.path], where);
	const size = Number((JSON.parse(output) as {'virtual-size'?: number})['virtual-size']);
	return Math.ceil(size / 1024 / 1024);
}

export async function createOverlay(
	qemuImg: string,
	image: CachedImage,
	disk: string,
	sizeMiB: number,
	where: {storePath: string; machine: string},
	signal?: AbortSignal,
): Promise<void> {
	await runTool(qemuImg, ['create', '-q', '-f', 'qcow2', '-F', image.format, '-b', image.path, disk, `${sizeMiB}M`], where, signal);
}

/** Grows the machine's qcow2 disk; the guest's partition and file system follow at its next boot. */
export async function growDisk(
	qemuImg: string,
	disk: string,
	sizeMiB: number,
	where: {storePath: string; machine: string},
	signal?: AbortSignal,
): Promise<void> {
	await runTool(qemuImg, ['resize', '-q', '-f', 'qcow2', disk, `${sizeMiB}M`], where, signal);
}
