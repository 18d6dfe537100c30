/**
 * docker-machine's connection check (`env`, `config`, end of `create`): a mutual-TLS handshake
 * with the machine's daemon using the CA as the only root, verifying the server name against
 * the host from the machine URL, usually its IP. A changed IP or a regenerated CA shows up here.
 */
import {X509Certificate} from 'node:crypto';
import {isIP} from 'node:net';
import tls from 'node:tls';
import {MachinistError} from '../errors.js';
import {clientContext, serverCertificateProblem} from './pinned-tls.js';
import {goTlsReason, joinHostPort, timeoutReason} from './tls-errors.js';

export class TlsCheckError extends MachinistError {
	/** Go's wording of the failure, e.g. `x509: certificate signed by unknown authority`. */
	readonly reason: string;
	/** `host:port` as checked. */
	readonly address: string;

	constructor(address: string, reason: string, cause?: unknown) {
		super(`There was an error validating certificates for host "${address}": ${reason}`, {cause});
		this.name = 'TlsCheckError';
		this.reason = reason;
		this.address = address;
	}
}

export type TlsCheckOptions = {
	host: string;
	port: number;
	caPem: string | Buffer;
	certPem: string | Buffer;
	keyPem: string | Buffer;
	/** For the whole check, connect included; docker-machine's dial timeout is 20 s. */
	timeoutMs?: number;
	signal?: AbortSignal;
	/** How long to wait for the server's verdict after a TLS 1.3 handshake; default 2 s (see below). */
	serverVerdictMs?: number;
};

/**
 * Under TLS 1.3 the client finishes its handshake before the server has looked at the client
 * certificate, so a rejection arrives afterwards as an alert. Servers send session tickets once
 * they accept it (OpenSSL and Go both do), so we wait this long for a ticket or an alert.
 */
const defaultServerVerdictMs = 2000;

/** The validity of the certificate the daemon presented. */
export type ServerCertificateDates = {notBefore: Date; notAfter: Date};

/**
 * Resolves when the daemon accepts our client certificate and presents one the CA signed for
 * `host`, with that certificate's dates; otherwise throws a TlsCheckError. An abort rejects with
 * the signal's reason.
 */
export async function checkTlsConnection(opts: TlsCheckOptions): Promise<ServerCertificateDates> {
	opts.signal?.throwIfAborted();
	const target = {host: opts.host, port: opts.port};
	const address = joinHostPort(opts.host, opts.port);
	const timeoutMs = opts.timeoutMs ?? 20_000;
	const deadline = Date.now() + timeoutMs;

	return new Promise<ServerCertificateDates>((resolve, reject) => {
		let connected = false;
		let served: ServerCertificateDates | undefined;
		let settled = false;
		let verdictTimer: NodeJS.Timeout | undefined;

		const socket = tls.connect({
			host: opts.host,
			port: opts.port,
			secureContext: clientContext(opts),
			// SNI may not carry an IP address (RFC 6066).
			servername: isIP(opts.host) === 0 ? opts.host : undefined,
			// Checked against the machine's CA alone on 'secureConnect' (see pinned-tls.ts).
			rejectUnauthorized: false,
		});

		const finish = (error?: Error): void => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			clearTimeout(verdictTimer);
			opts.signal?.removeEventListener('abort', onAbort);
			socket.destroy();
			if (error) reject(error);
			else resolve(served!);
		};

		const fail = (reason: string, cause?: unknown): void => {
			finish(new TlsCheckError(address, reason, cause));
		};

		const onAbort = (): void => {
			const reason: unknown = opts.signal?.reason;
			finish(reason instanceof Error ? reason : new Error(String(reason)));
		};

		const timer = setTimeout(() => {
			fail(timeoutReason(connected ? 'handshake' : 'dial', target));
		}, timeoutMs);
		opts.signal?.addEventListener('abort', onAbort, {once: true});

		socket.once('connect', () => {
			connected = true;
		});
		socket.on('error', error => {
			fail(goTlsReason(error, target, connected), error);
		});
		socket.once('secureConnect', () => {
			const untrusted = serverCertificateProblem(socket, new X509Certificate(opts.caPem), opts.host);
			if (untrusted) {
				fail(goTlsReason(untrusted, target, true), untrusted);
				return;
			}

			const peer = socket.getPeerCertificate();
			served = {notBefore: new Date(peer.valid_from), notAfter: new Date(peer.valid_to)};
			if (socket.getProtocol() !== 'TLSv1.3') {
				finish();
				return;
			}

			verdictTimer = setTimeout(
				() => {
					finish();
				},
				Math.max(0, Math.min(opts.serverVerdictMs ?? defaultServerVerdictMs, deadline - Date.now())),
			);
			socket.once('session', () => {
				finish();
			});
			// Keep reading, so tickets and alerts are processed; any data is not ours to use.
			socket.resume();
		});
		socket.once('close', () => {
			// Closed without an error after the handshake: the server let us in, then hung up.
			if (served) finish();
			else fail('EOF');
		});
	});
}
