import {createHash} from 'node:crypto';
import {createReadStream, createWriteStream} from 'node:fs';
import {mkdir, open, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {MachinistError} from '../errors.js';
import {httpGet, httpGetText} from './http-get.js';

/**
 * Boot images shared by local-VM drivers (qemu now, virtualbox later): a URL is downloaded once
 * into the store's `cache/`, its checksum computed while it streams; a local file is used where
 * it is. Images are never deleted here: machines' disks are overlays backed by them.
 */
export type ImageFormat = 'qcow2' | 'raw';

export type CachedImage = {path: string; format: ImageFormat};

export type DownloadProgress = (received: number, total: number | undefined) => void;

export type EnsureImageOptions = {
	cacheDir: string;
	/** `sha256:HEX`, `sha512:HEX`, bare hex (the length says which), a URL of a sums file, or ''. */
	checksum: string;
	onProgress?: DownloadProgress;
	/** Called once, when a download starts (not for a cached or local image). */
	onDownload?: (url: string, size: number | undefined) => void;
	onWarning?: (message: string) => void;
	signal?: AbortSignal;
	/** For the proxy variables. */
	env: NodeJS.ProcessEnv;
};

type Digest = {algorithm: 'sha256' | 'sha512' | 'sha1' | 'md5'; hex: string};

const algorithmsByLength: Record<number, Digest['algorithm']> = {32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512'};

export function isUrl(location: string): boolean {
	return /^https?:\/\//i.test(location);
}

/** `sha512:HEX` or bare hex to a digest; undefined when the text is not one. */
export function parseDigest(text: string): Digest | undefined {
	const match = /^(?:(sha256|sha512|sha1|md5):)?([\da-f]+)$/i.exec(text.trim());
	if (!match) return undefined;
	const hex = match[2]!.toLowerCase();
	const algorithm = (match[1]?.toLowerCase() as Digest['algorithm'] | undefined) ?? algorithmsByLength[hex.length];
	if (!algorithm) return undefined;
	const expectedLength = Number(Object.entries(algorithmsByLength).find(([, name]) => name === algorithm)![0]);
	return hex.length === expectedLength ? {algorithm, hex} : undefined;
}

/**
 * The digest for `fileName` in a sums file: GNU (`HEX  name`, `HEX *name`) or BSD
 * (`SHA512 (name) = HEX`) lines.
 */
export function digestFromSums(sums: string, fileName: string): Digest | undefined {
	for (const line of sums.split('\n')) {
		const gnu = /^([\da-f]{32,128})\s+\*?(?:\.\/)?(\S.*?)\s*$/i.exec(line);
		const bsd = /^(SHA256|SHA512|SHA1|MD5)\s*\((.+)\)\s*=\s*([\da-f]+)\s*$/i.exec(line);
		if (gnu?.[2] === fileName) return parseDigest(gnu[1]!);
		if (bsd?.[2] === fileName) return parseDigest(`${bsd[1]!.toLowerCase()}:${bsd[3]!}`);
	}

	return undefined;
}

async function expectedDigest(checksum: string, imageUrl: string, options: EnsureImageOptions): Promise<Digest | undefined> {
	if (checksum === '') return undefined;
	if (!isUrl(checksum)) {
		const digest = parseDigest(checksum);
		if (!digest) throw new MachinistError(`the checksum "${checksum}" is not one: give sha256:HEX, sha512:HEX, or the URL of a sums file`);
		return digest;
	}

	const fileName = decodeURIComponent(path.posix.basename(new URL(imageUrl).pathname));
	const digest = digestFromSums(await httpGetText(checksum, options), fileName);
	if (!digest) throw new MachinistError(`the sums file ${checksum} lists no checksum for ${fileName}: check the image URL and its checksum URL`);
	return digest;
}

/** Where a URL's image lives in the cache: a hash of the URL keeps two "disk.qcow2" apart. */
export function cachedImagePath(cacheDir: string, url: string): string {
	const name = decodeURIComponent(path.posix.basename(new URL(url).pathname)).replaceAll(/[^\w.+-]/g, '_') || 'image';
	return path.join(cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 12)}-${name}`);
}

const qcow2Magic = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/** qcow2 by its magic number; anything else is taken as a raw disk. */
export async function imageFormat(file: string): Promise<ImageFormat> {
	const handle = await open(file, 'r');
	try {
		const head = Buffer.alloc(4);
		await handle.read(head, 0, 4, 0);
		return head.equals(qcow2Magic) ? 'qcow2' : 'raw';
	} finally {
		await handle.close();
	}
}

async function hashFile(file: string, algorithm: Digest['algorithm']): Promise<string> {
	const hash = createHash(algorithm);
	await pipeline(createReadStream(file), hash);
	return hash.digest('hex');
}

function mismatch(what: string, expected: Digest, actual: string, deleted: boolean): MachinistError {
	return new MachinistError(
		`the ${expected.algorithm} checksum of ${what} is ${actual}, not ${expected.hex}${deleted ? ': the download was deleted and nothing was booted' : ''}; check --qemu-boot-image-checksum, or download it again`,
	);
}

function mib(bytes: number): string {
	return `${Math.ceil(bytes / 1024 / 1024)} MiB`;
}

async function download(url: string, target: string, expected: Digest | undefined, options: EnsureImageOptions): Promise<void> {
	const response = await httpGet(url, options);
	options.onDownload?.(response.url, response.size);
	const partial = `${target}.part-${process.pid}`;
	const hash = expected ? createHash(expected.algorithm) : undefined;
	let received = 0;
	const meter = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			received += chunk.length;
			hash?.update(chunk);
			options.onProgress?.(received, response.size);
			done(undefined, chunk);
		},
	});
	try {
		await pipeline(response.body, meter, createWriteStream(partial, {mode: 0o644}), {signal: options.signal});
		if (response.size !== undefined && received !== response.size) {
			throw new MachinistError(`the download of ${url} stopped after ${mib(received)} of ${mib(response.size)}: try again`);
		}

		const actual = hash?.digest('hex');
		if (expected && actual !== expected.hex) throw mismatch(url, expected, actual!, true);
	} catch (error) {
		await rm(partial, {force: true});
		if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
			throw new MachinistError(
				`no space left in ${path.dirname(target)} for the image (${response.size === undefined ? 'size unknown' : mib(response.size)}): free some space, or point MACHINE_STORAGE_PATH at a larger disk`,
			);
		}

		throw error;
	}

	await rename(partial, target);
	if (expected) await writeFile(`${target}.checksum`, `${expected.algorithm}:${expected.hex}\n`);
}

/**
 * The image at `location` (a URL or a local file), downloaded into the cache if it is a URL not
 * there yet. A cached image whose recorded checksum differs from the one asked for is hashed
 * again rather than trusted.
 */
export async function ensureImage(location: string, options: EnsureImageOptions): Promise<CachedImage> {
	if (!isUrl(location)) {
		const file = path.resolve(location);
		const info = await stat(file).catch(() => undefined);
		if (!info?.isFile()) throw new MachinistError(`the boot image ${file} does not exist: give an existing qcow2 or raw file, or a URL`);
		const expected = options.checksum ? await expectedDigest(options.checksum, `file://${file}`, options) : undefined;
		if (expected) {
			const actual = await hashFile(file, expected.algorithm);
			if (actual !== expected.hex) throw mismatch(file, expected, actual, false);
		}

		return {path: file, format: await imageFormat(file)};
	}

	await mkdir(options.cacheDir, {recursive: true, mode: 0o700});
	const target = cachedImagePath(options.cacheDir, location);
	const expected = await expectedDigest(options.checksum, location, options);
	if (!expected) options.onWarning?.(`no checksum for ${location}: the image is used unverified (give --qemu-boot-image-checksum)`);
	const cached = await stat(target).catch(() => undefined);
	if (cached?.isFile()) {
		const recorded = await readFile(`${target}.checksum`, 'utf8').then(
			text => parseDigest(text.trim()),
			() => undefined,
		);
		if (!expected || (recorded?.algorithm === expected.algorithm && recorded.hex === expected.hex))
			return {path: target, format: await imageFormat(target)};
		const actual = await hashFile(target, expected.algorithm);
		if (actual !== expected.hex) throw mismatch(target, expected, actual, false);
		await writeFile(`${target}.checksum`, `${expected.algorithm}:${expected.hex}\n`);
		return {path: target, format: await imageFormat(target)};
	}

	await download(location, target, expected, options);
	return {path: target, format: await imageFormat(target)};
}
