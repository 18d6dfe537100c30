import {copyFile, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {defaultCertPaths} from '../../source/engine/store/host.js';
import {machinistInProcess as run} from '../helpers/cli.js';
import {temporaryDir} from '../helpers/store.js';
import {tlsDaemon} from '../helpers/tls-daemon.js';

const dayMs = 24 * 60 * 60 * 1000;

/** A store whose CA and client certificate were made `ageDays` ago (they last 1080 days). */
async function agedStore(t: Parameters<typeof temporaryDir>[0], ageDays: number) {
	const store = await temporaryDir(t);
	const paths = defaultCertPaths(store);
	const url = await tlsDaemon(t, store, new Date(Date.now() - ageDays * dayMs));
	const env = {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	// create would replace an expired CA (docker-machine's bootstrap), so the aged files are put
	// back after it, into the store and the machine's copies.
	const aged = await Promise.all(Object.values(paths).map(async file => [file, await readFile(file)] as const));
	t.is((await run(['create', '-d', 'none', '--url', url, 'aging'], env)).code, 0);
	for (const [file, content] of aged) await writeFile(file, content);
	await copyFile(paths.caCert, path.join(store, 'machines', 'aging', 'ca.pem'));
	await copyFile(paths.clientCert, path.join(store, 'machines', 'aging', 'cert.pem'));
	await copyFile(paths.clientKey, path.join(store, 'machines', 'aging', 'key.pem'));
	return {env, paths};
}

test('env warns on stderr when the CA expires within 30 days, and still prints the exports', async t => {
	const {env, paths} = await agedStore(t, 1070);
	const printed = await run(['env', 'aging'], env);
	t.is(printed.code, 0, printed.stderr);
	t.regex(printed.stdout, /^export DOCKER_TLS_VERIFY="1"\n/);
	t.is(printed.stderr, `Warning: the CA certificate ${paths.caCert} expires in 9 days: run "machinist regenerate-certs --client-certs aging"\n`);
});

test('an expired CA is a one-line error that names the fix, instead of a bare handshake failure', async t => {
	const {env, paths} = await agedStore(t, 1085);
	const printed = await run(['env', 'aging'], env);
	t.is(printed.code, 1);
	t.is(
		printed.stderr,
		`Error checking TLS connection: Error checking and/or regenerating the certs: the CA certificate ${paths.caCert} has expired: run "machinist regenerate-certs --client-certs aging"\n`,
	);
});
