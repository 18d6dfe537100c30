/**
 * Turns Node's socket and TLS errors into the one-line reasons Go prints. docker-machine users
 * grep for texts such as `x509: certificate signed by unknown authority`, and the Docker CLI
 * prints the same ones, so matching them keeps scripts and search results working.
 */
import {isIP} from 'node:net';
import {parseSubjectAltName} from './inspect.js';

export type Target = {host: string; port: number};

/** `host:port`, with IPv6 hosts in brackets, like Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: number): string {
	return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Which stage a timeout hit; each gets the text Go's dialer or HTTP client uses. */
export type TimeoutStage = 'dial' | 'handshake' | 'headers' | 'body';

export function timeoutReason(stage: TimeoutStage, target: Target): string {
	switch (stage) {
		case 'dial': {
			return `dial tcp ${joinHostPort(target.host, target.port)}: i/o timeout`;
		}

		case 'handshake': {
			return 'net/http: TLS handshake timeout';
		}

		case 'headers': {
			return 'net/http: request canceled (Client.Timeout exceeded while awaiting headers)';
		}

		case 'body': {
			return 'net/http: request canceled (Client.Timeout exceeded while reading body)';
		}
	}
}

const unknownAuthorityCodes = new Set([
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'UNABLE_TO_GET_ISSUER_CERT',
	'CERT_SIGNATURE_FAILURE',
	'CERT_UNTRUSTED',
	'CERT_CHAIN_TOO_LONG',
	'INVALID_CA',
]);

const expiryCodes = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** System-call failures during connect, by errno name, as Go's syscall package words them. */
const dialErrors: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	EHOSTUNREACH: 'no route to host',
	ENETUNREACH: 'network is unreachable',
	EADDRNOTAVAIL: 'cannot assign requested address',
	ETIMEDOUT: 'connection timed out',
	EACCES: 'permission denied',
	EPERM: 'operation not permitted',
};

/** Go's names for TLS alerts a peer sends (crypto/tls alert.go). */
const alertTexts: Record<string, string> = {
	BAD_CERTIFICATE: 'bad certificate',
	UNSUPPORTED_CERTIFICATE: 'unsupported certificate',
	CERTIFICATE_REVOKED: 'revoked certificate',
	CERTIFICATE_EXPIRED: 'expired certificate',
	CERTIFICATE_UNKNOWN: 'unknown certificate',
	UNKNOWN_CA: 'unknown certificate authority',
	ACCESS_DENIED: 'access denied',
	DECODE_ERROR: 'error decoding message',
	DECRYPT_ERROR: 'error decrypting message',
	HANDSHAKE_FAILURE: 'handshake failure',
	PROTOCOL_VERSION: 'protocol version not supported',
	INSUFFICIENT_SECURITY: 'insufficient security level',
	INTERNAL_ERROR: 'internal error',
	CERTIFICATE_REQUIRED: 'certificate required',
	NO_APPLICATION_PROTOCOL: 'no application protocol',
	UNRECOGNIZED_NAME: 'unrecognized name',
	ILLEGAL_PARAMETER: 'illegal parameter',
};

type NodeError = Error & {
	code?: string;
	syscall?: string;
	host?: string;
	cert?: {subjectaltname?: string};
	reason?: string;
};

/**
 * The Go-like reason for an error from `tls.connect` or an `https` request to `target`.
 * `connected` says whether the TCP connection was up, which decides between a dial error and a
 * read error for the same errno.
 */
export function goTlsReason(error: unknown, target: Target, connected = false): string {
	if (!(error instanceof Error)) return String(error);
	const nodeError = error as NodeError;
	// Node's happy-eyeballs connect reports every attempt in an AggregateError; the first speaks for all.
	const first = (error as Partial<AggregateError>).errors?.[0] as NodeError | undefined;
	const code = nodeError.code ?? first?.code ?? '';
	const address = joinHostPort(target.host, target.port);

	if (unknownAuthorityCodes.has(code)) return 'x509: certificate signed by unknown authority';
	if (expiryCodes.has(code)) return 'x509: certificate has expired or is not yet valid';
	if (code === 'INVALID_PURPOSE') return 'x509: certificate specifies an incompatible key usage';
	if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return hostnameMismatch(nodeError.host ?? target.host, nodeError.cert?.subjectaltname);

	const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
	if (alert?.[1]) return `remote error: tls: ${alertTexts[alert[1]] ?? alert[1].toLowerCase().replaceAll('_', ' ')}`;
	if (code.startsWith('ERR_SSL_')) return `tls: ${opensslReason(nodeError.message)}`;

	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${target.host}: no such host`;
	if (code === 'ECONNRESET' || code === 'EPIPE') {
		// Reset mid-handshake is how a TLS 1.2 server that dislikes our certificate often hangs up.
		return connected ? `read tcp ${address}: connection reset by peer` : `dial tcp ${address}: connect: connection reset by peer`;
	}

	const dialText = dialErrors[code];
	if (dialText) return connected ? `read tcp ${address}: ${dialText}` : `dial tcp ${address}: connect: ${dialText}`;
	if (code === 'ERR_SOCKET_CLOSED' || /socket hang up|disconnected before secure/i.test(nodeError.message)) return 'EOF';

	return nodeError.message.split('\n')[0] ?? nodeError.message;
}

/**
 * Go's HostnameError text: for an IP host it lists the certificate's IP SANs, for a name its
 * DNS SANs, so the user sees at once that the machine's IP changed.
 */
export function hostnameMismatch(host: string, subjectAltName: string | undefined): string {
	const {dnsNames, ipAddresses} = parseSubjectAltName(subjectAltName);
	const bareHost = host.replace(/^\[(.*)]$/, '$1');
	let valid: string[];
	if (isIP(bareHost) === 0) {
		valid = dnsNames;
	} else {
		if (ipAddresses.length === 0) return `x509: cannot validate certificate for ${bareHost} because it doesn't contain any IP SANs`;
		valid = ipAddresses;
	}

	if (valid.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${bareHost}`;
	return `x509: certificate is valid for ${valid.join(', ')}, not ${bareHost}`;
}

/** OpenSSL's messages end in `:SSL routines:...:reason:../ssl/...`; keep the reason. */
function opensslReason(message: string): string {
	const match = /routines:[^:]*:([^:]+)/.exec(message);
	return match?.[1] ?? message.split('\n')[0] ?? message;
}
