/**
 * The few Docker Engine API calls Machinist makes (`ls` shows the daemon version, the TUI its
 * resources), over mutual TLS with node:https so the engine needs no Docker SDK.
 */
import type {IncomingMessage} from 'node:http';
import https from 'node:https';
import {isIP} from 'node:net';
import {MachinistError, abortError} from '../errors.js';
import {goTlsReason, joinHostPort, timeoutReason, type TimeoutStage} from '../certs/tls-errors.js';
import {agentFor, type PinnedAgent, type StageListener} from './agent.js';

export {closeDockerAgents} from './agent.js';

/** The parts of `GET /version` Machinist reads; daemons send more. */
export type DockerVersion = {
	Version: string;
	ApiVersion: string;
	MinAPIVersion?: string;
	GitCommit?: string;
	GoVersion?: string;
	Os: string;
	Arch: string;
	KernelVersion?: string;
	BuildTime?: string;
	Experimental?: boolean;
	Platform?: {Name: string};
	Components?: Array<{Name: string; Version: string; Details?: Record<string, string>}>;
};

/** The parts of `GET /info` Machinist reads. */
export type DockerInfo = {
	ID?: string;
	Name: string;
	ServerVersion: string;
	OperatingSystem: string;
	OSType?: string;
	Architecture?: string;
	KernelVersion?: string;
	NCPU: number;
	MemTotal: number;
	Containers: number;
	ContainersRunning: number;
	ContainersPaused?: number;
	ContainersStopped?: number;
	Images?: number;
	Driver?: string;
	DockerRootDir?: string;
	Labels?: string[] | null;
	Swarm?: {
		LocalNodeState?: string;
		NodeID?: string;
		NodeAddr?: string;
		ControlAvailable?: boolean;
		Error?: string;
		RemoteManagers?: Array<{NodeID: string; Addr: string}> | null;
		Nodes?: number;
		Managers?: number;
		/** Only on managers. */
		Cluster?: {ID: string};
	};
	Warnings?: string[] | null;
};

export type DockerPing = {
	/** The daemon's highest API version, from the `API-Version` header. */
	apiVersion: string | undefined;
	/** `linux` or `windows`, from the `OSType` header. */
	osType: string | undefined;
	/** `Docker/<version> (<os>)`, from the `Server` header. */
	server: string | undefined;
};

export type DockerClientOptions = {
	/** `tcp://HOST:PORT`, as stored for each machine; `https://` is accepted too. */
	url: string;
	caPem: string | Buffer;
	certPem: string | Buffer;
	keyPem: string | Buffer;
	/** Per request, connecting included. */
	timeoutMs?: number;
};

/** The daemon could not be reached, or its certificate was refused. */
export class DockerConnectionError extends MachinistError {
	/** Go's wording, e.g. `x509: certificate signed by unknown authority`. */
	readonly reason: string;

	constructor(url: string, reason: string, cause?: unknown) {
		super(`Cannot connect to the Docker daemon at ${url}: ${reason}`, {cause});
		this.name = 'DockerConnectionError';
		this.reason = reason;
	}
}

/** The daemon answered with an HTTP error. */
export class DockerApiError extends MachinistError {
	readonly statusCode: number;
	/** The daemon's `message`, or the raw body when it sent no JSON. */
	readonly daemonMessage: string;

	constructor(url: string, statusCode: number, daemonMessage: string) {
		super(`Error response from daemon at ${url} (HTTP ${statusCode}): ${daemonMessage}`);
		this.name = 'DockerApiError';
		this.statusCode = statusCode;
		this.daemonMessage = daemonMessage;
	}
}

const defaultTimeoutMs = 20_000;
/** /info is a few kB; anything far larger is not a Docker daemon talking. */
const maxBodyBytes = 8 * 1024 * 1024;

function parseDockerUrl(url: string): {host: string; port: number} {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new MachinistError(`Invalid Docker URL "${url}": expected tcp://HOST:PORT`);
	}

	if (parsed.protocol !== 'tcp:' && parsed.protocol !== 'https:') {
		throw new MachinistError(`Invalid Docker URL "${url}": expected tcp://HOST:PORT`);
	}

	const host = parsed.hostname.replace(/^\[(.*)]$/, '$1');
	if (host === '') throw new MachinistError(`Invalid Docker URL "${url}": expected tcp://HOST:PORT`);
	return {host, port: parsed.port === '' ? 2376 : Number(parsed.port)};
}

export class DockerClient {
	readonly url: string;
	readonly #options: DockerClientOptions;
	readonly #host: string;
	readonly #port: number;
	readonly #timeoutMs: number;

	constructor(options: DockerClientOptions) {
		const {host, port} = parseDockerUrl(options.url);
		this.url = `tcp://${joinHostPort(host, port)}`;
		this.#options = options;
		this.#host = host;
		this.#port = port;
		this.#timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
	}

	async version(signal?: AbortSignal): Promise<DockerVersion> {
		const {body} = await this.#get('/version', signal);
		const version = parseJson(this.url, body) as Partial<DockerVersion> | undefined;
		if (typeof version?.Version !== 'string') throw new MachinistError(`The Docker daemon at ${this.url} sent a /version answer without a Version`);
		return version as DockerVersion;
	}

	async info(signal?: AbortSignal): Promise<DockerInfo> {
		const {body} = await this.#get('/info', signal);
		const info = parseJson(this.url, body) as Partial<DockerInfo> | undefined;
		if (typeof info?.ServerVersion !== 'string') throw new MachinistError(`The Docker daemon at ${this.url} sent an /info answer without a ServerVersion`);
		return info as DockerInfo;
	}

	async ping(signal?: AbortSignal): Promise<DockerPing> {
		const {headers} = await this.#get('/_ping', signal);
		const header = (name: string): string | undefined => {
			const value = headers[name];
			return Array.isArray(value) ? value[0] : value;
		};

		return {apiVersion: header('api-version'), osType: header('ostype'), server: header('server')};
	}

	/**
	 * The daemon's version, as cheaply as the daemon allows: `/_ping` names it in its Server
	 * header (`Docker/20.10.24+dfsg1 (linux)`), while `/version` makes the daemon run `runc
	 * --version` and more, about 20 ms of its CPU each time. `ls` over 50 machines notices.
	 */
	async engineVersion(signal?: AbortSignal): Promise<string> {
		const ping = await this.ping(signal);
		const fromHeader = /^Docker\/(\S+)/.exec(ping.server ?? '')?.[1];
		return fromHeader ?? (await this.version(signal)).Version;
	}

	/**
	 * Any Engine API call (the swarm operations use POST and DELETE): the JSON answer, or
	 * undefined for an empty one. `body` is sent as JSON.
	 */
	async call(method: 'GET' | 'POST' | 'DELETE', path: string, options: {body?: unknown; signal?: AbortSignal} = {}): Promise<unknown> {
		const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
		const {body} = method === 'GET' ? await this.#get(path, options.signal) : await this.#request(path, options.signal, method, payload);
		return body.trim() === '' ? undefined : parseJson(this.url, body);
	}

	/** How stream.ts opens a long GET on this daemon: its own connection, checked as every other. */
	streamTarget(path: string): {options: https.RequestOptions; target: {host: string; port: number}; timeoutMs: number} {
		const target = {host: this.#host, port: this.#port};
		const servername = isIP(this.#host) === 0 ? this.#host : undefined;
		return {options: {agent: agentFor(this.url, this.#options, 'stream'), ...target, path, servername}, target, timeoutMs: this.#timeoutMs};
	}

	/**
	 * A GET with no API version prefix: daemons serve their own newest version there, while a
	 * pinned old one is refused by modern daemons. A reused keep-alive connection the daemon
	 * closed meanwhile fails with a reset; that one case is retried on a fresh connection (a
	 * POST is not: it may have been done).
	 */
	async #get(path: string, signal: AbortSignal | undefined): Promise<{body: string; headers: IncomingMessage['headers']}> {
		try {
			return await this.#request(path, signal);
		} catch (error) {
			if (error instanceof StaleSocketError) return this.#request(path, signal);
			throw error;
		}
	}

	async #request(
		path: string,
		signal: AbortSignal | undefined,
		method = 'GET',
		payload?: string,
	): Promise<{body: string; headers: IncomingMessage['headers']}> {
		signal?.throwIfAborted();
		const agent = agentFor(this.url, this.#options);
		const release = await agent.slot(signal);
		try {
			return await this.#send(agent, path, signal, method, payload);
		} finally {
			release();
		}
	}

	async #send(
		agent: PinnedAgent,
		path: string,
		signal: AbortSignal | undefined,
		method: string,
		payload: string | undefined,
	): Promise<{body: string; headers: IncomingMessage['headers']}> {
		const target = {host: this.#host, port: this.#port};
		return new Promise((resolve, reject) => {
			let stage: TimeoutStage = 'dial';
			let settled = false;

			// Aborted when the request settles, so a connection still handshaking is closed with it.
			const abandoned = new AbortController();
			const options: https.RequestOptions & StageListener = {
				agent,
				abandoned: abandoned.signal,
				onStage(next: TimeoutStage) {
					stage = next;
				},
				host: this.#host,
				port: this.#port,
				path,
				method,
				// SNI may not carry an IP address; the agent checks the certificate against `host`.
				servername: isIP(this.#host) === 0 ? this.#host : undefined,
				headers:
					payload === undefined
						? {accept: 'application/json'}
						: {accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)},
			};
			const request = https.request(options);

			const finish = (error: Error | undefined, value?: {body: string; headers: IncomingMessage['headers']}): void => {
				if (settled) return;
				settled = true;
				abandoned.abort();
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				if (error) {
					request.destroy();
					reject(error);
				} else if (value) {
					resolve(value);
				}
			};

			const onAbort = (): void => {
				finish(abortError(signal!));
			};

			const timer = setTimeout(() => {
				finish(new DockerConnectionError(this.url, timeoutReason(stage, target)));
			}, this.#timeoutMs);
			signal?.addEventListener('abort', onAbort, {once: true});

			// The agent hands over a socket only once it is connected and checked.
			request.once('socket', () => {
				stage = 'headers';
			});

			request.on('error', error => {
				if (settled) return;
				const {code} = error as NodeJS.ErrnoException;
				if (request.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') && method === 'GET') {
					finish(new StaleSocketError());
					return;
				}

				finish(new DockerConnectionError(this.url, goTlsReason(error, target, stage !== 'dial'), error));
			});

			request.once('response', response => {
				stage = 'body';
				const chunks: Buffer[] = [];
				let size = 0;
				response.on('data', (chunk: Buffer) => {
					size += chunk.length;
					if (size > maxBodyBytes) {
						finish(new MachinistError(`The Docker daemon at ${this.url} sent more than ${maxBodyBytes} bytes for ${path}`));
						return;
					}

					chunks.push(chunk);
				});
				response.once('error', error => {
					finish(new DockerConnectionError(this.url, goTlsReason(error, target, true), error));
				});
				response.once('end', () => {
					const body = Buffer.concat(chunks).toString('utf8');
					const status = response.statusCode ?? 0;
					if (status >= 200 && status < 300) {
						finish(undefined, {body, headers: response.headers});
						return;
					}

					finish(new DockerApiError(this.url, status, daemonMessage(body, response.statusMessage)));
				});
			});

			request.end(payload);
		});
	}
}

/** Marks a failure on a pooled connection the daemon had already closed; never escapes. */
class StaleSocketError extends Error {}

function parseJson(url: string, body: string): unknown {
	try {
		return JSON.parse(body) as unknown;
	} catch {
		throw new MachinistError(`The Docker daemon at ${url} sent invalid JSON: ${body.slice(0, 80)}`);
	}
}

/** Docker errors are `{"message": "..."}`; proxies and old daemons may send plain text. */
export function daemonMessage(body: string, statusMessage: string | undefined): string {
	try {
		const parsed = JSON.parse(body) as {message?: unknown};
		if (typeof parsed.message === 'string') return parsed.message;
	} catch {}

	const text = body.trim().split('\n')[0] ?? '';
	return text === '' ? (statusMessage ?? 'no message') : text.slice(0, 200);
}
