/**
 * The connection pools the Docker client's requests and streams run on: TLS connections handed to
 * HTTP only once the daemon's certificate has passed the check against the machine's CA.
 */
import {X509Certificate, createHash} from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import type {Duplex} from 'node:stream';
import {abortError} from '../errors.js';
import {clientContext, serverCertificateProblem} from '../certs/pinned-tls.js';
import type {TimeoutStage} from '../certs/tls-errors.js';

/** The certificates a client presents and trusts. */
export type TlsMaterial = {caPem: string | Buffer; certPem: string | Buffer; keyPem: string | Buffer};

/**
 * What a request tells the agent: how to hear how far its connection got before the socket is
 * handed over, and when the request has given up (the connection being made is then closed).
 */
export type StageListener = {onStage?: (stage: TimeoutStage) => void; abandoned?: AbortSignal};

/**
 * Connections that are handed to HTTP only once the daemon's certificate has passed the check
 * against the machine's CA (pinned-tls.ts): no request byte goes to a daemon that failed it.
 */
export class PinnedAgent extends https.Agent {
	readonly #ca: X509Certificate;
	readonly #context: tls.SecureContext;
	/** Connections still handshaking or being checked: HTTP does not know them yet. */
	readonly #pending = new Set<tls.TLSSocket>();
	/** Requests in flight, and those waiting for one of them to end. */
	#active = 0;
	readonly #waiting: Array<() => void> = [];

	constructor(options: TlsMaterial, maxSockets = 16) {
		super({keepAlive: true, maxSockets, maxFreeSockets: 16, scheduling: 'lifo'});
		this.#ca = new X509Certificate(options.caPem);
		this.#context = clientContext(options);
	}

	// Node's agent accepts the socket through the callback, later: it waits for the check.
	override createConnection(requestOptions: https.RequestOptions, callback?: (error: Error | null, socket: Duplex) => void): undefined {
		const options = requestOptions as tls.ConnectionOptions & StageListener;
		const done = callback!;
		const host = options.host ?? 'localhost';
		const socket = tls.connect({
			host,
			port: options.port,
			servername: options.servername,
			secureContext: this.#context,
			rejectUnauthorized: false,
		});
		const abandon = (): void => {
			socket.destroy();
		};

		const onError = (error: Error): void => {
			options.abandoned?.removeEventListener('abort', abandon);
			done(error, socket);
		};

		this.#pending.add(socket);
		socket.once('close', () => this.#pending.delete(socket));
		options.abandoned?.addEventListener('abort', abandon, {once: true});
		socket.once('error', onError);
		socket.once('connect', () => options.onStage?.('handshake'));
		socket.once('secureConnect', () => {
			this.#pending.delete(socket);
			options.abandoned?.removeEventListener('abort', abandon);
			socket.off('error', onError);
			const untrusted = serverCertificateProblem(socket, this.#ca, host);
			if (untrusted) {
				socket.destroy();
				done(untrusted, socket);
				return;
			}

			done(null, socket);
		});
		return undefined;
	}

	/**
	 * Waits until fewer than `maxSockets` requests are in flight; resolves with the release. Node's
	 * agent counts a connection only once its creation has finished, here after the handshake and
	 * the check, so a burst (200 machines on one daemon listing at once) would otherwise open a
	 * connection, and a handshake, per request, and close all but 16 of them afterwards.
	 */
	async slot(signal?: AbortSignal): Promise<() => void> {
		if (this.#active >= this.maxSockets) {
			await new Promise<void>((resolve, reject) => {
				const onAbort = (): void => {
					this.#waiting.splice(this.#waiting.indexOf(go), 1);
					reject(abortError(signal!));
				};

				const go = (): void => {
					signal?.removeEventListener('abort', onAbort);
					resolve();
				};

				this.#waiting.push(go);
				signal?.addEventListener('abort', onAbort, {once: true});
			});
		}

		this.#active++;
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.#active--;
			this.#waiting.shift()?.();
		};
	}

	override destroy(): void {
		for (const socket of this.#pending) socket.destroy();
		super.destroy();
	}
}

/**
 * One keep-alive agent per daemon and certificate set, shared by every client, so polling many
 * machines every few seconds reuses TLS connections instead of handshaking each time. Agents of
 * one certificate set share its parsed context (pinned-tls.ts).
 */
const agents = new Map<string, PinnedAgent>();

/**
 * Streams (events, logs, stats) hold their connection for as long as they run: one per stream,
 * from an agent of their own, so they never queue behind each other or take the sockets that
 * requests share (200 machines on one daemon hold 200 event streams).
 */
export function agentFor(url: string, options: TlsMaterial, purpose: 'request' | 'stream' = 'request'): PinnedAgent {
	const hash = createHash('sha256');
	for (const part of [options.caPem, options.certPem, options.keyPem]) {
		hash.update(part);
		hash.update('\0');
	}

	const key = `${purpose}\n${url}\n${hash.digest('hex')}`;
	let agent = agents.get(key);
	if (!agent) {
		agent = new PinnedAgent(options, purpose === 'stream' ? Number.POSITIVE_INFINITY : 16);
		agents.set(key, agent);
	}

	return agent;
}

/** Closes every pooled connection, so a CLI process can exit without waiting for idle sockets. */
export function closeDockerAgents(): void {
	for (const agent of agents.values()) agent.destroy();
	agents.clear();
}
