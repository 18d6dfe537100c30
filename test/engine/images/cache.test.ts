import {createHash, randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {readdir, writeFile} from 'node:fs/promises';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {digestFromSums, ensureImage} from '../../../source/engine/images/cache.js';
import {temporaryDir} from '../../helpers/store.js';
import {httpServer} from '../../helpers/servers.js';

const qcow2 = Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), randomBytes(3 * 1024 * 1024)]);
const sha512 = createHash('sha512').update(qcow2).digest('hex');
const sha256 = createHash('sha256').update(qcow2).digest('hex');

type Server = {base: string; requests: string[]};

/** A mirror on loopback serving the image in small chunks, and sums files. */
async function mirror(t: ExecutionContext, body = qcow2): Promise<Server> {
	const requests: string[] = [];
	const {base} = await httpServer(t, (request, response) => {
		requests.push(`${request.method} ${request.url}`);
		if (request.url?.endsWith('/disk.qcow2')) {
			response.writeHead(200, {'content-length': body.length});
			let offset = 0;
			const next = () => {
				if (offset >= body.length) {
					response.end();
					return;
				}

				response.write(body.subarray(offset, offset + 256 * 1024), next);
				offset += 256 * 1024;
			};

			next();
		} else if (request.url === '/moved/disk.qcow2') {
			response.writeHead(302, {location: '/images/disk.qcow2'}).end();
		} else if (request.url === '/images/SHA512SUMS') {
			response.end(`${'a'.repeat(128)}  other.qcow2\n${sha512}  disk.qcow2\n`);
		} else {
			response.writeHead(404).end();
		}
	});
	return {base, requests};
}

test('an image is downloaded once, verified against the sums file while it streams, with progress', async t => {
	const {base, requests} = await mirror(t);
	const cacheDir = await temporaryDir(t);
	const progress: Array<[number, number | undefined]> = [];
	const image = await ensureImage(`${base}/images/disk.qcow2`, {
		cacheDir,
		checksum: `${base}/images/SHA512SUMS`,
		env: {},
		onProgress: (received, total) => progress.push([received, total]),
	});
	t.is(image.format, 'qcow2');
	t.true(image.path.startsWith(cacheDir));
	t.true(progress.length > 3, 'progress arrives while the image streams');
	t.deepEqual(progress.at(-1), [qcow2.length, qcow2.length]);
	const again = await ensureImage(`${base}/images/disk.qcow2`, {cacheDir, checksum: `${base}/images/SHA512SUMS`, env: {}});
	t.is(again.path, image.path);
	t.is(requests.filter(line => line.endsWith('disk.qcow2')).length, 1, 'the second machine uses the cache');
	t.deepEqual((await readdir(cacheDir)).sort(), [path.basename(image.path), `${path.basename(image.path)}.checksum`].sort());
});

test('a download whose checksum does not match is deleted and refused with both digests', async t => {
	const corrupted = Buffer.from(qcow2);
	corrupted[1000]! ^= 1;
	const {base} = await mirror(t, corrupted);
	const cacheDir = await temporaryDir(t);
	const error = await t.throwsAsync(ensureImage(`${base}/images/disk.qcow2`, {cacheDir, checksum: `sha256:${sha256}`, env: {}}));
	t.regex(
		error.message,
		new RegExp(
			String.raw`^the sha256 checksum of ${base}/images/disk.qcow2 is [\da-f]{64}, not ${sha256}: the download was deleted and nothing was booted`,
		),
	);
	t.deepEqual(await readdir(cacheDir), []);
});

test('redirects are followed and a bare hex checksum picks its algorithm by length', async t => {
	const {base} = await mirror(t);
	const cacheDir = await temporaryDir(t);
	const image = await ensureImage(`${base}/moved/disk.qcow2`, {cacheDir, checksum: sha512, env: {}});
	t.true(existsSync(image.path));
});

test('proxy variables are honoured, and NO_PROXY exempts hosts', async t => {
	const {base} = await mirror(t);
	const proxied: string[] = [];
	// A forwarding HTTP proxy: absolute-URL requests, relayed to the mirror.
	const proxy = http.createServer((request, response) => {
		proxied.push(request.url ?? '');
		http.get(request.url!, upstream => {
			response.writeHead(upstream.statusCode ?? 502, upstream.headers);
			upstream.pipe(response);
		});
	});
	await new Promise<void>(resolve => {
		proxy.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => {
		proxy.close();
	});
	const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
	await ensureImage(`${base}/images/disk.qcow2`, {cacheDir: await temporaryDir(t), checksum: `${base}/images/SHA512SUMS`, env: {http_proxy: proxyUrl}});
	t.deepEqual(proxied, [`${base}/images/SHA512SUMS`, `${base}/images/disk.qcow2`]);
	await ensureImage(`${base}/images/disk.qcow2`, {
		cacheDir: await temporaryDir(t),
		checksum: '',
		env: {HTTP_PROXY: proxyUrl, NO_PROXY: 'example.com,127.0.0.1'},
	});
	t.is(proxied.length, 2, 'NO_PROXY sent the request direct');
});

test('a local image file is used in place, checked when a checksum is given, raw when not qcow2', async t => {
	const dir = await temporaryDir(t);
	const file = path.join(dir, 'my.img');
	await writeFile(file, Buffer.alloc(1024 * 1024));
	const image = await ensureImage(file, {cacheDir: path.join(dir, 'cache'), checksum: '', env: {}});
	t.deepEqual(image, {path: file, format: 'raw'});
	await t.throwsAsync(ensureImage(file, {cacheDir: path.join(dir, 'cache'), checksum: `sha256:${'0'.repeat(64)}`, env: {}}), {
		message: /^the sha256 checksum of .*my\.img is [\da-f]{64}, not 0{64}; check --qemu-boot-image-checksum/,
	});
	await t.throwsAsync(ensureImage(path.join(dir, 'missing.img'), {cacheDir: dir, checksum: '', env: {}}), {message: /missing\.img does not exist/});
	await t.throwsAsync(ensureImage(file, {cacheDir: dir, checksum: 'md5sum-please', env: {}}), {message: /is not one: give sha256:HEX/});
});

test('sums files in GNU and BSD formats are read', t => {
	t.deepEqual(digestFromSums(`${sha512} *disk.qcow2\n`, 'disk.qcow2'), {algorithm: 'sha512', hex: sha512});
	t.deepEqual(digestFromSums(`SHA256 (disk.qcow2) = ${sha256}\n`, 'disk.qcow2'), {algorithm: 'sha256', hex: sha256});
	t.is(digestFromSums(`${sha256}  other.qcow2\n`, 'disk.qcow2'), undefined);
});
