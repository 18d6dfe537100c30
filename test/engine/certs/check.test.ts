/** checkTlsConnection against Node TLS servers on loopback. */
import net from 'node:net';
import tls from 'node:tls';
import test from 'ava';
import {TlsCheckError, checkTlsConnection} from '../../../source/engine/certs/check.js';
import {type CertificatePair, generateCa, generateSignedCert} from '../../../source/engine/certs/generate.js';
import {freePort} from '../../../source/engine/vm/ports.js';
import {deferred} from '../../helpers/wait.js';

// One CA with its client certificate, and one foreign CA, for the whole file: RSA keys take
// ~100 ms each. Awaited here, before any test is declared, as AVA requires.
type Fixture = {ca: CertificatePair; client: CertificatePair};
const otherCaPromise = generateCa('mallory');
const fixture: Fixture = await generateCa('alice').then(async ca => ({
	ca,
	client: await generateSignedCert({org: 'alice.<bootstrap>', ca, kind: 'client'}),
}));

/** A mutual-TLS server like dockerd's: requires a client certificate from `clientCa`. */
async function tlsServer(t: {teardown(fn: () => unknown): void}, server: CertificatePair, clientCa: CertificatePair): Promise<number> {
	const instance = tls.createServer(
		{
			cert: server.certPem,
			key: server.keyPem,
			ca: clientCa.certPem,
			requestCert: true,
			rejectUnauthorized: true,
		},
		socket => {
			socket.on('error', () => undefined);
			socket.end();
		},
	);
	instance.on('tlsClientError', () => undefined);
	await new Promise<void>(resolve => {
		instance.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(
		async () =>
			new Promise<void>(resolve => {
				instance.close(() => {
					resolve();
				});
			}),
	);
	return (instance.address() as net.AddressInfo).port;
}

function clientOptions(fixture: Fixture, port: number, host = '127.0.0.1'): Parameters<typeof checkTlsConnection>[0] {
	return {host, port, caPem: fixture.ca.certPem, certPem: fixture.client.certPem, keyPem: fixture.client.keyPem};
}

test('checkTlsConnection succeeds against a mutual-TLS server with a certificate from our CA', async t => {
	const server = await generateSignedCert({org: 'alice.m1', ca: fixture.ca, kind: 'server', hosts: ['127.0.0.1', 'localhost']});
	const port = await tlsServer(t, server, fixture.ca);
	// Each verdict must come with the session ticket, not after the fallback delay: made 30 s
	// here, so that no load on the machine can pass for it (a handshake on loopback never takes 15 s).
	for (const host of [undefined, 'localhost'] as const) {
		const started = Date.now();
		await t.notThrowsAsync(checkTlsConnection({...clientOptions(fixture, port, host), serverVerdictMs: 30_000, timeoutMs: 60_000}));
		const elapsed = Date.now() - started;
		t.true(elapsed < 15_000, `the TLS 1.3 verdict took ${elapsed} ms: it waited for the fallback instead of the session ticket`);
	}
});

test('checkTlsConnection: a server certificate from another CA is an unknown authority', async t => {
	const server = await generateSignedCert({org: 'mallory.m1', ca: await otherCaPromise, kind: 'server', hosts: ['127.0.0.1']});
	const port = await tlsServer(t, server, fixture.ca);
	const error = await t.throwsAsync(checkTlsConnection(clientOptions(fixture, port)), {instanceOf: TlsCheckError});
	t.is(error?.reason, 'x509: certificate signed by unknown authority');
	t.is(error?.message, `There was an error validating certificates for host "127.0.0.1:${port}": x509: certificate signed by unknown authority`);
	t.is(error?.exitCode, 1);
});

test("checkTlsConnection: altname mismatch lists the certificate's IPs (or names) like Go", async t => {
	const server = await generateSignedCert({org: 'alice.m1', ca: fixture.ca, kind: 'server', hosts: ['10.0.0.1', 'docker.test', 'localhost', '10.0.0.3']});
	const port = await tlsServer(t, server, fixture.ca);
	const byIp = await t.throwsAsync(checkTlsConnection(clientOptions(fixture, port)), {instanceOf: TlsCheckError});
	t.is(byIp?.reason, 'x509: certificate is valid for 10.0.0.1, 10.0.0.3, not 127.0.0.1');
	t.is(
		byIp?.message,
		`There was an error validating certificates for host "127.0.0.1:${port}": x509: certificate is valid for 10.0.0.1, 10.0.0.3, not 127.0.0.1`,
	);

	const named = await generateSignedCert({org: 'alice.m1', ca: fixture.ca, kind: 'server', hosts: ['docker.test', '127.0.0.1']});
	const namedPort = await tlsServer(t, named, fixture.ca);
	const byName = await t.throwsAsync(checkTlsConnection(clientOptions(fixture, namedPort, 'localhost')), {instanceOf: TlsCheckError});
	t.is(byName?.reason, 'x509: certificate is valid for docker.test, not localhost');
});

test('checkTlsConnection: an expired server certificate', async t => {
	const server = await generateSignedCert({org: 'alice.m1', ca: fixture.ca, kind: 'server', hosts: ['127.0.0.1'], now: new Date('2019-01-01T00:00:00Z')});
	const port = await tlsServer(t, server, fixture.ca);
	const error = await t.throwsAsync(checkTlsConnection(clientOptions(fixture, port)), {instanceOf: TlsCheckError});
	t.is(error?.reason, 'x509: certificate has expired or is not yet valid');
});

test("checkTlsConnection: connection refused reads like Go's dialer", async t => {
	const port = await freePort();
	const error = await t.throwsAsync(checkTlsConnection(clientOptions(fixture, port)), {instanceOf: TlsCheckError});
	t.is(error?.reason, `dial tcp 127.0.0.1:${port}: connect: connection refused`);
	t.is(error?.message, `There was an error validating certificates for host "127.0.0.1:${port}": dial tcp 127.0.0.1:${port}: connect: connection refused`);
});

test('checkTlsConnection: the timeout is honoured when the server never answers the handshake', async t => {
	const sockets = new Set<net.Socket>();
	let connected = deferred();
	const silent = net.createServer(socket => {
		sockets.add(socket);
		connected.resolve();
	});
	await new Promise<void>(resolve => {
		silent.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => {
		for (const socket of sockets) socket.destroy();
		silent.close();
	});
	const {port} = silent.address() as net.AddressInfo;
	const started = Date.now();
	// 1.5 s leaves the loopback connect time to finish on a loaded 2-core machine, so the timeout
	// is the handshake's.
	const error = await t.throwsAsync(checkTlsConnection({...clientOptions(fixture, port), timeoutMs: 1500}), {instanceOf: TlsCheckError});
	const elapsed = Date.now() - started;
	t.is(error?.reason, 'net/http: TLS handshake timeout');
	t.true(elapsed >= 1490 && elapsed < 10_000, `took ${elapsed} ms`);

	// Cancelled while the handshake is pending: once the server has the connection.
	connected = deferred();
	const controller = new AbortController();
	void connected.promise.then(() => {
		controller.abort(new Error('cancelled by the user'));
	});
	await t.throwsAsync(checkTlsConnection({...clientOptions(fixture, port), signal: controller.signal}), {message: 'cancelled by the user'});
});
