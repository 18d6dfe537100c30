import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import {TlsCheckError, checkTlsConnection} from '../../../source/engine/certs/check.js';
import {
	type CertificatePair,
	ensureCertificateFiles,
	generateCa,
	generateServerCertificate,
	generateSignedCert,
} from '../../../source/engine/certs/generate.js';
import {DockerApiError, DockerClient, DockerConnectionError, closeDockerAgents} from '../../../source/engine/docker/client.js';
import {MachinistError} from '../../../source/engine/errors.js';
import {type RunningDockerd, dockerdAvailable, startDockerd} from '../../helpers/dockerd.js';
import {realTest} from '../../helpers/real.js';
import {temporaryDir} from '../../helpers/store.js';
import {deferred} from '../../helpers/wait.js';

const execFileAsync = promisify(execFile);
const withDockerd = realTest(dockerdAvailable());

type Fixture = {ca: CertificatePair; client: CertificatePair; server: CertificatePair; foreignServer: CertificatePair};

async function makeFixture(): Promise<Fixture> {
	const [ca, otherCa] = await Promise.all([generateCa('alice'), generateCa('mallory')]);
	const [client, server, foreignServer] = await Promise.all([
		generateSignedCert({org: 'alice.<bootstrap>', ca, kind: 'client'}),
		generateSignedCert({org: 'alice.m1', ca, kind: 'server', hosts: ['127.0.0.1', 'localhost']}),
		generateSignedCert({org: 'mallory.m1', ca: otherCa, kind: 'server', hosts: ['127.0.0.1', 'localhost']}),
	]);
	return {ca, client, server, foreignServer};
}

const fixture = await makeFixture();

test.after.always(() => {
	closeDockerAgents();
});

type FakeDaemon = {url: string; port: number; connections: () => number; requests: string[]};

/** A mutual-TLS HTTPS server answering like a Docker daemon, counting TLS connections. */
async function fakeDaemon(
	t: ExecutionContext,
	server: CertificatePair,
	clientCa: CertificatePair,
	handler?: (request: {url?: string}, response: import('node:http').ServerResponse) => void,
): Promise<FakeDaemon> {
	let connections = 0;
	const requests: string[] = [];
	const instance = https.createServer(
		{cert: server.certPem, key: server.keyPem, ca: clientCa.certPem, requestCert: true, rejectUnauthorized: true},
		(request, response) => {
			requests.push(request.url ?? '');
			if (handler) {
				handler(request, response);
				return;
			}

			response.setHeader('content-type', 'application/json');
			switch (request.url) {
				case '/version': {
					response.end(JSON.stringify({Version: '99.1.0', ApiVersion: '1.99', Os: 'linux', Arch: 'amd64', KernelVersion: '6.1.0'}));
					break;
				}

				case '/info': {
					response.end(
						JSON.stringify({
							Name: 'm1',
							ServerVersion: '99.1.0',
							OperatingSystem: 'Fake OS',
							NCPU: 2,
							MemTotal: 1024,
							Containers: 3,
							ContainersRunning: 1,
						}),
					);
					break;
				}

				case '/_ping': {
					response.setHeader('API-Version', '1.99');
					response.setHeader('OSType', 'linux');
					response.setHeader('Server', 'Docker/99.1.0 (linux)');
					response.end('OK');
					break;
				}

				default: {
					response.statusCode = 404;
					response.end(JSON.stringify({message: 'page not found'}));
				}
			}
		},
	);
	instance.on('secureConnection', () => {
		connections++;
	});
	instance.on('tlsClientError', () => undefined);
	await new Promise<void>(resolve => {
		instance.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(async () => {
		instance.closeAllConnections();
		await new Promise(resolve => {
			instance.close(resolve);
		});
	});
	const {port} = instance.address() as net.AddressInfo;
	return {url: `tcp://127.0.0.1:${port}`, port, connections: () => connections, requests};
}

function clientFor(fixture: Fixture, url: string, timeoutMs?: number): DockerClient {
	return new DockerClient({url, caPem: fixture.ca.certPem, certPem: fixture.client.certPem, keyPem: fixture.client.keyPem, timeoutMs});
}

// Serial: closeDockerAgents would cut other tests' requests short.
test.serial('DockerClient reads /version, /info and /_ping without an API version prefix, over one kept-alive connection', async t => {
	const daemon = await fakeDaemon(t, fixture.server, fixture.ca);
	const client = clientFor(fixture, daemon.url);
	t.like(await client.version(), {Version: '99.1.0', ApiVersion: '1.99', Os: 'linux', Arch: 'amd64'});
	t.like(await client.info(), {ServerVersion: '99.1.0', NCPU: 2, ContainersRunning: 1});
	t.deepEqual(await client.ping(), {apiVersion: '1.99', osType: 'linux', server: 'Docker/99.1.0 (linux)'});
	// A second client for the same daemon and certificates shares the pool.
	await clientFor(fixture, daemon.url).version();
	t.deepEqual(daemon.requests, ['/version', '/info', '/_ping', '/version']);
	t.is(daemon.connections(), 1);

	closeDockerAgents();
	await client.version();
	t.is(daemon.connections(), 2, 'closeDockerAgents drops pooled connections');
});

test('a burst of 200 requests to one daemon opens no more than 16 connections, and every request is answered', async t => {
	const daemon = await fakeDaemon(t, fixture.server, fixture.ca);
	const client = clientFor(fixture, daemon.url);
	const answers = await Promise.all(Array.from({length: 200}, async () => client.version()));
	t.is(answers.length, 200);
	t.true(answers.every(answer => answer.Version === '99.1.0'));
	t.true(daemon.connections() <= 16, `${daemon.connections()} connections`);
});

test('a request waiting for a connection in a burst gives up when its signal aborts', async t => {
	const daemon = await fakeDaemon(t, fixture.server, fixture.ca);
	const client = clientFor(fixture, daemon.url);
	const burst = Array.from({length: 40}, async () => client.version());
	const controller = new AbortController();
	const waiting = client.info(controller.signal);
	controller.abort();
	t.is(
		await waiting.then(
			() => 'answered',
			(error: unknown) => (error as Error).name,
		),
		'AbortError',
	);
	t.is((await Promise.all(burst)).length, 40);
});

test("engineVersion reads the version from /_ping's Server header, and falls back to /version without one", async t => {
	const daemon = await fakeDaemon(t, fixture.server, fixture.ca);
	t.is(await clientFor(fixture, daemon.url).engineVersion(), '99.1.0');
	t.deepEqual(daemon.requests, ['/_ping'], 'the expensive /version was not asked');
	const bare = await fakeDaemon(t, fixture.server, fixture.ca, (request, response) => {
		if (request.url === '/_ping') {
			response.end('OK');
			return;
		}

		response.setHeader('content-type', 'application/json');
		response.end(JSON.stringify({Version: '1.2.3', ApiVersion: '1.40', Os: 'linux', Arch: 'arm64'}));
	});
	t.is(await clientFor(fixture, bare.url).engineVersion(), '1.2.3');
});

test("DockerClient: HTTP errors carry the status and the daemon's message", async t => {
	const daemon = await fakeDaemon(t, fixture.server, fixture.ca, (_request, response) => {
		response.statusCode = 500;
		response.setHeader('content-type', 'application/json');
		response.end(JSON.stringify({message: 'layer does not exist'}));
	});
	const error = await t.throwsAsync(clientFor(fixture, daemon.url).info(), {instanceOf: DockerApiError});
	t.is(error?.statusCode, 500);
	t.is(error?.daemonMessage, 'layer does not exist');
	t.is(error?.message, `Error response from daemon at ${daemon.url} (HTTP 500): layer does not exist`);
	t.true(error instanceof MachinistError);
});

test("DockerClient: TLS and connection failures use Go's wording", async t => {
	const foreign = await fakeDaemon(t, fixture.foreignServer, fixture.ca);
	const unknown = await t.throwsAsync(clientFor(fixture, foreign.url).version(), {instanceOf: DockerConnectionError});
	t.is(unknown?.reason, 'x509: certificate signed by unknown authority');
	t.is(unknown?.message, `Cannot connect to the Docker daemon at ${foreign.url}: x509: certificate signed by unknown authority`);

	t.deepEqual(foreign.requests, [], 'no request reached the daemon that failed the check');
	// A certificate for clients only (our own client certificate, presented by a server) is not a daemon's.
	const clientOnly = await fakeDaemon(t, fixture.client, fixture.ca);
	const usage = await t.throwsAsync(clientFor(fixture, clientOnly.url).version(), {instanceOf: DockerConnectionError});
	t.is(usage?.reason, 'x509: certificate specifies an incompatible key usage');
	t.deepEqual(clientOnly.requests, []);

	const daemon = await fakeDaemon(t, fixture.server, fixture.ca);
	await t.notThrowsAsync(clientFor(fixture, `tcp://localhost:${daemon.port}`).version(), 'localhost is a DNS SAN');
	const wrongName = await fakeDaemon(t, await generateSignedCert({org: 'alice.m2', ca: fixture.ca, kind: 'server', hosts: ['10.9.8.7']}), fixture.ca);
	const mismatch = await t.throwsAsync(clientFor(fixture, wrongName.url).version(), {instanceOf: DockerConnectionError});
	t.is(mismatch?.reason, 'x509: certificate is valid for 10.9.8.7, not 127.0.0.1');
});

test('DockerClient: refused connections, timeouts and aborts', async t => {
	const probe = net.createServer();
	await new Promise<void>(resolve => {
		probe.listen(0, '127.0.0.1', resolve);
	});
	const {port} = probe.address() as net.AddressInfo;
	await new Promise(resolve => {
		probe.close(resolve);
	});
	const refused = await t.throwsAsync(clientFor(fixture, `tcp://127.0.0.1:${port}`).ping(), {instanceOf: DockerConnectionError});
	t.is(refused?.reason, `dial tcp 127.0.0.1:${port}: connect: connection refused`);

	let requestArrived = deferred();
	const stalled = await fakeDaemon(t, fixture.server, fixture.ca, () => {
		requestArrived.resolve();
	});
	const started = Date.now();
	// Long enough for the TLS handshake on a loaded machine, so the time-out is the one for headers.
	const timeout = await t.throwsAsync(clientFor(fixture, stalled.url, 3000).version(), {instanceOf: DockerConnectionError});
	t.is(timeout?.reason, 'net/http: request canceled (Client.Timeout exceeded while awaiting headers)');
	t.true(Date.now() - started < 15_000);

	// Aborted while the request waits for an answer: once the daemon has it.
	requestArrived = deferred();
	const controller = new AbortController();
	void requestArrived.promise.then(() => {
		controller.abort(new Error('stopped polling'));
	});
	await t.throwsAsync(clientFor(fixture, stalled.url).version(controller.signal), {message: 'stopped polling'});
	const aborted = new AbortController();
	aborted.abort(new Error('already gone'));
	await t.throwsAsync(clientFor(fixture, stalled.url).version(aborted.signal), {message: 'already gone'});
});

test('a request that gives up during a handshake the daemon never finishes closes that connection', async t => {
	// Accepts TCP and never speaks TLS: the handshake would wait forever.
	const closed = deferred();
	const silent = net.createServer(socket => {
		// Reading, so the client's close is seen.
		socket.resume();
		socket.once('close', () => {
			closed.resolve();
		});
	});
	await new Promise<void>(resolve => {
		silent.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(async () => {
		await new Promise(resolve => {
			silent.close(resolve);
		});
	});
	const {port} = silent.address() as net.AddressInfo;
	const timeout = await t.throwsAsync(clientFor(fixture, `tcp://127.0.0.1:${port}`, 500).version(), {instanceOf: DockerConnectionError});
	t.is(timeout?.reason, 'net/http: TLS handshake timeout');
	// Left open, it would also keep a command (or this test file) from exiting.
	await t.notThrowsAsync(closed.promise);
});

test('DockerClient rejects URLs that are not tcp://HOST:PORT', t => {
	const fixture = {caPem: '', certPem: '', keyPem: ''};
	t.throws(() => new DockerClient({url: 'unix:///var/run/docker.sock', ...fixture}), {instanceOf: MachinistError, message: /expected tcp:\/\/HOST:PORT/});
	t.throws(() => new DockerClient({url: 'not a url', ...fixture}), {instanceOf: MachinistError});
	t.is(new DockerClient({url: 'tcp://[::1]:2376', ...fixture}).url, 'tcp://[::1]:2376');
	t.is(new DockerClient({url: 'tcp://10.0.0.1', ...fixture}).url, 'tcp://10.0.0.1:2376');
});

// --- A real dockerd on loopback ---

type Store = {certs: string; caCert: string; caKey: string; clientCert: string; clientKey: string};

/** A docker-machine store's certs/ directory, made the way `create` makes it. */
async function bootstrapStore(t: ExecutionContext): Promise<Store> {
	const dir = await temporaryDir(t, 'mdc-');
	const certs = path.join(dir, 'certs');
	const store = {
		certs,
		caCert: path.join(certs, 'ca.pem'),
		caKey: path.join(certs, 'ca-key.pem'),
		clientCert: path.join(certs, 'cert.pem'),
		clientKey: path.join(certs, 'key.pem'),
	};
	t.is((await ensureCertificateFiles(store, 'alice')).length, 2);
	return store;
}

async function serverCert(t: ExecutionContext, caCertPath: string, caKeyPath: string): Promise<{serverCertPath: string; serverKeyPath: string}> {
	const dir = await temporaryDir(t, 'mds-');
	const paths = {serverCertPath: path.join(dir, 'server.pem'), serverKeyPath: path.join(dir, 'server-key.pem')};
	await generateServerCertificate({caCertPath, caKeyPath, ...paths, org: 'alice.m1', hosts: ['127.0.0.1', 'localhost']});
	return paths;
}

async function startForTest(t: ExecutionContext, options: Parameters<typeof startDockerd>[0]): Promise<RunningDockerd> {
	const daemon = await startDockerd(options);
	t.teardown(async () => {
		const stopping = Date.now();
		await daemon.stop();
		t.log(`dockerd on port ${daemon.port} stopped in ${Date.now() - stopping} ms`);
	});
	t.log(`dockerd on port ${daemon.port} answered after ${daemon.startMs} ms`);
	return daemon;
}

/** The real Docker CLI, isolated from the user's ~/.docker and any DOCKER_* settings. */
async function dockerCli(t: ExecutionContext, args: string[], env: Record<string, string> = {}): Promise<{stdout: string; stderr: string; code: number}> {
	const config = await temporaryDir(t, 'mdd-');
	const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DOCKER_')));
	try {
		const {stdout, stderr} = await execFileAsync('docker', args, {env: {...cleanEnv, DOCKER_CONFIG: config, ...env}, timeout: 30_000});
		return {stdout, stderr, code: 0};
	} catch (error) {
		const failed = error as {stdout?: string; stderr?: string; code?: number};
		return {stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code ?? -1};
	}
}

withDockerd.serial('real dockerd with --tlsverify: the docker CLI, DockerClient and checkTlsConnection all get in', async t => {
	const store = await bootstrapStore(t);
	const server = await serverCert(t, store.caCert, store.caKey);
	const daemon = await startForTest(t, {...server, caCertPath: store.caCert});

	const cli = await dockerCli(t, [
		'--tlsverify',
		'--tlscacert',
		store.caCert,
		'--tlscert',
		store.clientCert,
		'--tlskey',
		store.clientKey,
		'-H',
		daemon.url,
		'version',
		'--format',
		'{{.Server.Version}}',
	]);
	t.is(cli.code, 0, cli.stderr);
	const cliVersion = cli.stdout.trim();
	t.regex(cliVersion, /^\d+\.\d+/);

	// What `eval $(machinist env m1)` sets up: the CLI finds ca.pem, cert.pem and key.pem itself.
	const viaEnv = await dockerCli(t, ['version', '--format', '{{.Server.Version}}'], {
		DOCKER_TLS_VERIFY: '1',
		DOCKER_HOST: daemon.url,
		DOCKER_CERT_PATH: store.certs,
	});
	t.is(viaEnv.stdout.trim(), cliVersion, viaEnv.stderr);

	const [caPem, certPem, keyPem] = await Promise.all([store.caCert, store.clientCert, store.clientKey].map(async file => readFile(file)));
	const client = new DockerClient({url: daemon.url, caPem: caPem!, certPem: certPem!, keyPem: keyPem!});
	const version = await client.version();
	t.is(version.Version, cliVersion);
	t.is(version.Os, 'linux');
	t.regex(version.ApiVersion, /^1\.\d+$/);
	const info = await client.info();
	t.is(info.ServerVersion, cliVersion);
	t.true(info.NCPU > 0);
	t.true(info.MemTotal > 0);
	t.is(info.Containers, 0);
	t.is((await client.ping()).apiVersion, version.ApiVersion);

	const checkStarted = Date.now();
	await t.notThrowsAsync(checkTlsConnection({host: '127.0.0.1', port: daemon.port, caPem: caPem!, certPem: certPem!, keyPem: keyPem!}));
	t.log(`checkTlsConnection took ${Date.now() - checkStarted} ms`);
	await t.notThrowsAsync(checkTlsConnection({host: 'localhost', port: daemon.port, caPem: caPem!, certPem: certPem!, keyPem: keyPem!}));
});

withDockerd.serial("real dockerd: another CA's daemon is an unknown authority, and a daemon trusting another CA refuses us", async t => {
	const [ours, theirs] = await Promise.all([bootstrapStore(t), bootstrapStore(t)]);
	const [theirServer, ourServer] = await Promise.all([serverCert(t, theirs.caCert, theirs.caKey), serverCert(t, ours.caCert, ours.caKey)]);
	// Two daemons side by side: one wholly from the other store, one with our server certificate
	// that only accepts the other store's clients.
	const started = Date.now();
	const [foreign, picky] = await Promise.all([
		startForTest(t, {...theirServer, caCertPath: theirs.caCert}),
		startForTest(t, {...ourServer, caCertPath: theirs.caCert}),
	]);
	t.log(`two daemons in parallel answered after ${Date.now() - started} ms`);

	const [caPem, certPem, keyPem] = await Promise.all([ours.caCert, ours.clientCert, ours.clientKey].map(async file => readFile(file, 'utf8')));
	const credentials = {caPem: caPem!, certPem: certPem!, keyPem: keyPem!};

	const unknown = await t.throwsAsync(checkTlsConnection({host: '127.0.0.1', port: foreign.port, ...credentials}), {instanceOf: TlsCheckError});
	t.is(unknown?.message, `There was an error validating certificates for host "127.0.0.1:${foreign.port}": x509: certificate signed by unknown authority`);
	const viaClient = await t.throwsAsync(new DockerClient({url: foreign.url, ...credentials}).version(), {instanceOf: DockerConnectionError});
	t.is(viaClient?.reason, 'x509: certificate signed by unknown authority');
	// The Docker CLI says the same (Go 1.20+ puts "tls: failed to verify certificate: " first).
	const cli = await dockerCli(t, [
		'--tlsverify',
		'--tlscacert',
		ours.caCert,
		'--tlscert',
		ours.clientCert,
		'--tlskey',
		ours.clientKey,
		'-H',
		foreign.url,
		'version',
	]);
	t.not(cli.code, 0);
	t.true(cli.stderr.includes('x509: certificate signed by unknown authority'), cli.stderr);

	// TLS 1.3: our side of the handshake completes before dockerd rejects the client certificate.
	const refused = await t.throwsAsync(checkTlsConnection({host: '127.0.0.1', port: picky.port, ...credentials}), {instanceOf: TlsCheckError});
	t.is(refused?.reason, 'remote error: tls: bad certificate');
	const refusedClient = await t.throwsAsync(new DockerClient({url: picky.url, ...credentials}).ping(), {instanceOf: DockerConnectionError});
	t.is(refusedClient?.reason, 'remote error: tls: bad certificate');

	// The other store's client is welcome at both.
	const [theirCa, theirCert, theirKey] = await Promise.all([theirs.caCert, theirs.clientCert, theirs.clientKey].map(async file => readFile(file, 'utf8')));
	await t.notThrowsAsync(checkTlsConnection({host: '127.0.0.1', port: foreign.port, caPem: theirCa!, certPem: theirCert!, keyPem: theirKey!}));
});
