import {readFile} from 'node:fs/promises';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import test, {type ExecutionContext} from 'ava';
import {waitForDocker} from '../../../source/engine/access/docker-ready.js';
import {ensureCertificateFiles, generateSignedCert} from '../../../source/engine/certs/generate.js';
import {createEngine, createMachine, loadMachine, type ProgressEvent} from '../../../source/engine/index.js';
import {defaultCertPaths} from '../../../source/engine/store/host.js';
import {temporaryDir} from '../../helpers/store.js';
import {tlsDaemon} from '../../helpers/tls-daemon.js';

/** A store with the CA and client certificate, and a free loopback port nothing listens on yet. */
async function setup(t: ExecutionContext, daemonHosts = ['127.0.0.1']) {
	const store = await temporaryDir(t);
	const engine = createEngine({storagePath: store, env: {PATH: process.env.PATH, HOME: store}});
	const paths = defaultCertPaths(store);
	await ensureCertificateFiles(paths, 'tester');
	const ca = {certPem: await readFile(paths.caCert, 'utf8'), keyPem: await readFile(paths.caKey, 'utf8')};
	const server = await generateSignedCert({org: 'tester.daemon', ca, kind: 'server', hosts: daemonHosts});
	// A daemon's TLS endpoint answering /_ping as dockerd does, once it listens.
	const daemon = https.createServer(
		{cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true},
		(request, response) => {
			response.writeHead(request.url === '/_ping' ? 200 : 404, {'api-version': '1.43', server: 'Docker/24.0.7 (linux)'}).end('OK');
		},
	);
	daemon.on('tlsClientError', () => undefined);
	await new Promise<void>(resolve => {
		daemon.listen(0, '127.0.0.1', resolve);
	});
	const {port} = daemon.address() as AddressInfo;
	await new Promise(resolve => daemon.close(resolve));
	t.teardown(() => daemon.close());
	return {engine, store, daemon, port};
}

test('the wait ends as soon as a daemon that starts late answers, and says what it waits for', async t => {
	const {engine, daemon, port} = await setup(t);
	await createMachine(engine, {name: 'late', driverName: 'none', given: {url: `tcp://127.0.0.1:${port}`}});
	setTimeout(() => daemon.listen(port, '127.0.0.1'), 2500);
	const events: ProgressEvent[] = [];
	const started = Date.now();
	// A none machine's driver reports an error state while its port is shut; the wait asks again.
	await waitForDocker(engine, await loadMachine(engine, 'late'), {progress: event => events.push(event), timeoutMs: 30_000});
	const waited = Date.now() - started;
	t.true(waited >= 2500 && waited < 10_000, `${waited} ms`);
	t.deepEqual(events, [{type: 'step', message: 'Waiting for Docker to answer...'}]);
});

test('a daemon that answers at once is waited for silently', async t => {
	const {engine, daemon, port} = await setup(t);
	await new Promise<void>(resolve => {
		daemon.listen(port, '127.0.0.1', resolve);
	});
	await createMachine(engine, {name: 'up', driverName: 'none', given: {url: `tcp://127.0.0.1:${port}`}});
	const events: ProgressEvent[] = [];
	await waitForDocker(engine, await loadMachine(engine, 'up'), {progress: event => events.push(event)});
	t.deepEqual(events, []);
});

test('the bound ends the wait with the last error and what to run', async t => {
	const {engine, port} = await setup(t);
	await createMachine(engine, {name: 'never', driverName: 'none', given: {url: `tcp://127.0.0.1:${port}`}});
	const error = await t.throwsAsync(waitForDocker(engine, await loadMachine(engine, 'never'), {timeoutMs: 1500}));
	t.is(
		error?.message,
		`The Docker of machine "never" did not answer within 2 s (last error: dial tcp 127.0.0.1:${port}: connect: connection refused): run "machinist provision never" to set Docker up again`,
	);
});

test("a daemon certificate from another CA ends the wait at once, with env's message", async t => {
	const {engine} = await setup(t);
	const rogue = await tlsDaemon(t, await temporaryDir(t));
	await createMachine(engine, {name: 'rogue', driverName: 'none', given: {url: rogue}});
	const started = Date.now();
	const error = await t.throwsAsync(waitForDocker(engine, await loadMachine(engine, 'rogue'), {timeoutMs: 60_000}));
	t.true(Date.now() - started < 10_000);
	t.regex(
		error?.message ?? '',
		/^Error checking and\/or regenerating the certs: There was an error validating certificates for host "127\.0\.0\.1:\d+": x509: certificate signed by unknown authority\nYou can attempt to regenerate them using 'machinist regenerate-certs \[name]'\./,
	);
});

test('a daemon of the machine whose certificate names another address answers: the wait ends with a warning naming regenerate-certs', async t => {
	// As a VM that came back on a new address: the certificate is the machine's, made for the old one.
	const {engine, daemon, port} = await setup(t, ['192.168.99.100']);
	await new Promise<void>(resolve => {
		daemon.listen(port, '127.0.0.1', resolve);
	});
	await createMachine(engine, {name: 'moved', driverName: 'none', given: {url: `tcp://127.0.0.1:${port}`}});
	const events: ProgressEvent[] = [];
	const started = Date.now();
	await waitForDocker(engine, await loadMachine(engine, 'moved'), {progress: event => events.push(event), timeoutMs: 60_000});
	t.true(Date.now() - started < 10_000);
	t.deepEqual(events, [
		{
			type: 'warning',
			message: `The Docker of machine "moved" answers at tcp://127.0.0.1:${port}, but its certificate was made for another address (x509: certificate is valid for 192.168.99.100, not 127.0.0.1): run "machinist regenerate-certs moved" before using it`,
		},
	]);
});
