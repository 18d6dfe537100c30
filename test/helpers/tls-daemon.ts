import {readFile} from 'node:fs/promises';
import tls from 'node:tls';
import type {ExecutionContext} from 'ava';
import {ensureCertificateFiles, generateSignedCert} from '../../source/engine/certs/generate.js';
import {defaultCertPaths} from '../../source/engine/store/host.js';

/**
 * Makes the store's CA and a TLS endpoint that completes the handshake as a daemon with a
 * certificate from that CA does: enough for `env` and `config`, which check the connection.
 * `issuedAt` backdates the CA and client certificate.
 */
export async function tlsDaemon(t: ExecutionContext, store: string, issuedAt?: Date): Promise<string> {
	const paths = defaultCertPaths(store);
	await ensureCertificateFiles(paths, 'tester', issuedAt);
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
