/**
 * TLS to a machine's Docker daemon, trusting one CA: the machine's, never the public roots.
 *
 * Node 20 copies its whole bundled root store (about 140 certificates) into every context given
 * a `ca`, which costs `env` some 35 ms at each start and `ls` about 2 ms per machine, for roots
 * no daemon certificate chains to. So the context holds only our client certificate, and the
 * daemon's certificate is checked here, after the handshake and before a byte is sent: issued
 * and signed by the CA itself (as every daemon certificate docker-machine or Machinist makes
 * is), within its dates and the CA's, for the address dialled, and for server use. A failure
 * carries the code Node's own check would have given, so tls-errors.ts words it as Go does.
 */
import {X509Certificate} from 'node:crypto';
import tls, {type TLSSocket} from 'node:tls';

/** The client side of a context: our certificate and key, no trusted roots at all. */
const contexts = new Map<string, tls.SecureContext>();

export function clientContext(material: {certPem: string | Buffer; keyPem: string | Buffer}): tls.SecureContext {
	const key = `${String(material.certPem)}\0${String(material.keyPem)}`;
	let context = contexts.get(key);
	if (!context) {
		// An empty list, not no list: without `ca` Node loads the root store into the context.
		context = tls.createSecureContext({cert: material.certPem, key: material.keyPem, ca: []});
		contexts.set(key, context);
	}

	return context;
}

const serverAuth = '1.3.6.1.5.5.7.3.1';
const anyExtendedKeyUsage = '2.5.29.37.0';

function codedError(code: string, message: string): Error & {code: string} {
	return Object.assign(new Error(message), {code});
}

function validityProblem(certificate: X509Certificate, now: number): (Error & {code: string}) | undefined {
	if (now > Date.parse(certificate.validTo)) return codedError('CERT_HAS_EXPIRED', `certificate has expired (${certificate.subject})`);
	if (now < Date.parse(certificate.validFrom)) return codedError('CERT_NOT_YET_VALID', `certificate is not yet valid (${certificate.subject})`);
	return undefined;
}

function signedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
	return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
}

/**
 * Why the daemon's certificate on `socket` must not be trusted for `host`, or undefined when it
 * may. Call it on 'secureConnect', before writing anything. `ca` is parsed once by the caller,
 * which may check many connections against it.
 */
export function serverCertificateProblem(socket: TLSSocket, ca: X509Certificate, host: string, now = Date.now()): Error | undefined {
	// The legacy object, which checkServerIdentity takes (and which Node 20 returns empty once
	// getPeerX509Certificate() has been called on the socket).
	const peer = socket.getPeerCertificate();
	if (!peer?.raw) return codedError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'the server sent no certificate');
	const leaf = new X509Certificate(peer.raw);

	if (!signedBy(leaf, ca)) return codedError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', `${leaf.subject} is not signed by the CA ${ca.subject}`);
	const expired = validityProblem(leaf, now) ?? validityProblem(ca, now);
	if (expired) return expired;
	// Go requires server use when the certificate names its uses at all.
	const uses = leaf.keyUsage;
	if (uses && uses.length > 0 && !uses.includes(serverAuth) && !uses.includes(anyExtendedKeyUsage)) {
		return codedError('INVALID_PURPOSE', `${leaf.subject} is not for server use`);
	}

	return tls.checkServerIdentity(host, peer);
}
