import {lstat, readFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import type {ExecutionContext} from 'ava';
import {bootstrapCertificates, generateSignedCert} from '../../source/engine/certs/generate.js';
import {defaultCertPaths} from '../../source/engine/store/host.js';
import {temporaryDir} from '../helpers/store.js';

/** A fresh store (inside `parent` named `dirName` when given) and the environment that points at it. */
export async function storeEnv(t: ExecutionContext, dirName?: string): Promise<{store: string; env: NodeJS.ProcessEnv}> {
	const parent = await temporaryDir(t);
	const store = dirName ? path.join(parent, dirName) : parent;
	return {store, env: {MACHINE_STORAGE_PATH: store, HOME: parent, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(parent, 'prefs')}};
}

/** Every file and directory under `root` with its mode and content: two equal snapshots mean nothing changed. */
export async function storeSnapshot(root: string): Promise<Record<string, string>> {
	const entries: Record<string, string> = {};
	const walk = async (dir: string): Promise<void> => {
		for (const name of await readdir(dir).catch(() => [] as string[])) {
			const file = path.join(dir, name);
			const info = await lstat(file);
			const relative = path.relative(root, file);
			if (info.isDirectory()) {
				entries[relative] = `dir ${(info.mode & 0o7777).toString(8)}`;
				await walk(file);
			} else {
				entries[relative] = `file ${(info.mode & 0o7777).toString(8)} ${(await readFile(file)).toString('base64')}`;
			}
		}
	};

	await walk(root);
	return entries;
}

/**
 * Makes the store's CA and a TLS endpoint that completes the handshake as a daemon with a
 * certificate from that CA does: enough for `env` and `config`, which check the connection.
 */
export async function tlsDaemon(t: ExecutionContext, store: string): Promise<string> {
	const paths = defaultCertPaths(store);
	await bootstrapCertificates(paths, 'tester');
	const ca = {certPem: await readFile(paths.caCert, 'utf8'), keyPem: await readFile(paths.caKey, 'utf8')};
	const server = await generateSignedCert({org: 'tester.daemon', ca, kind: 'server', hosts: ['127.0.0.1']});
	const listener = tls.createServer({cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true}, socket => {
		socket.end();
	});
	listener.on('tlsClientError', () => undefined);
	await new Promise<void>(resolve => {
		listener.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => listener.close());
	return `tcp://127.0.0.1:${(listener.address() as {port: number}).port}`;
}
