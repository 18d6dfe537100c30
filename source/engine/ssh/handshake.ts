/**
 * Opening one SSH connection: the credentials checked before any traffic, the authentication
 * methods tried in our order, the host key checked (and pinned once the server has proved it holds
 * it), and each way it can fail turned into one error that says what happened.
 */
import type {AuthenticationType, Client, ConnectConfig} from 'ssh2';
import {MachinistError, abortError, asError} from '../errors.js';
import {type OfferedCredentials, type SshEndpoint, authFailure, closedBeforeReady, connectFailure, describeTarget} from './errors.js';
import {type HostKeyCheck, createHostKeyCheck} from './hostkeys.js';
import {parsePrivateKey, readPrivateKey} from './keys.js';
import {type SshConnectOptions, defaultKeepaliveCountMax, defaultKeepaliveIntervalMs, defaultReadyTimeoutMs} from './options.js';

export type Ssh2Error = Error & {level?: string; code?: string | number};

/** A connection ready to be opened: its ssh2 settings and what its messages need. */
export type PreparedConnection = {
	target: SshEndpoint;
	config: ConnectConfig;
	hostKeys: HostKeyCheck;
	/** What was offered, for the message when authentication fails. */
	offered: OfferedCredentials;
	readyTimeoutMs: number;
	/** How long a host that stopped answering takes to be noticed: the keepalive interval times (count + 1). */
	keepaliveMs: number;
	/** The methods the server last said it accepts. */
	serverMethods(): string[] | undefined;
};

/** Checks the credentials and the pinned host key, and builds ssh2's settings; no network traffic yet. */
export async function prepareConnection(options: SshConnectOptions): Promise<PreparedConnection> {
	options.signal?.throwIfAborted();
	const target: SshEndpoint = {host: options.host, port: options.port, user: options.user, hostLabel: options.hostLabel};
	const readyTimeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
	const keepaliveIntervalMs = options.keepaliveIntervalMs ?? defaultKeepaliveIntervalMs;
	const keepaliveCountMax = options.keepaliveCountMax ?? defaultKeepaliveCountMax;

	// Key problems are the user's to fix, before any network traffic.
	let privateKey: Buffer | string | undefined;
	const offered: OfferedCredentials = {};
	if (options.privateKeyPath !== undefined) {
		privateKey = (await readPrivateKey(options.privateKeyPath)).data;
		offered.keyFile = options.privateKeyPath;
	} else if (options.privateKey !== undefined) {
		parsePrivateKey(options.privateKey, `given for ${options.hostLabel}`);
		privateKey = options.privateKey;
		offered.inlineKey = true;
	}

	if (options.agent !== undefined) offered.agent = options.agent;
	if (options.password !== undefined) offered.password = true;
	if (privateKey === undefined && options.agent === undefined && options.password === undefined) {
		throw new MachinistError(
			`No SSH credentials for ${options.hostLabel} (${describeTarget(target)}): give a private key, an ssh-agent socket or a password`,
		);
	}

	const hostKeys = await createHostKeyCheck({
		knownHostsFile: options.knownHostsFile,
		host: options.host,
		port: options.port,
		hostLabel: options.hostLabel,
		program: options.program,
	});
	options.signal?.throwIfAborted();

	// Our order, skipping what the server says it does not accept; ssh2 would start with "none".
	const methods: AuthenticationType[] = [];
	if (privateKey !== undefined) methods.push('publickey');
	if (options.agent !== undefined) methods.push('agent');
	if (options.password !== undefined) methods.push('password', 'keyboard-interactive');
	let nextMethod = 0;
	let serverMethods: string[] | undefined;
	const authHandler = (methodsLeft: string[] | null): AuthenticationType | false => {
		if (methodsLeft) serverMethods = methodsLeft;
		while (nextMethod < methods.length) {
			const method = methods[nextMethod++]!;
			const asked = method === 'agent' ? 'publickey' : method;
			if (!methodsLeft || methodsLeft.includes(asked)) return method;
		}

		return false;
	};

	const config: ConnectConfig = {
		host: options.host,
		port: options.port,
		username: options.user,
		privateKey,
		agent: options.agent,
		password: options.password,
		tryKeyboard: options.password !== undefined,
		authHandler,
		hostVerifier: hostKeys.hostVerifier,
		readyTimeout: readyTimeoutMs,
		keepaliveInterval: keepaliveIntervalMs,
		keepaliveCountMax,
	};
	if (hostKeys.serverHostKeyAlgorithms)
		config.algorithms = {serverHostKey: hostKeys.serverHostKeyAlgorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey']};

	return {
		target,
		config,
		hostKeys,
		offered,
		readyTimeoutMs,
		keepaliveMs: keepaliveIntervalMs * (keepaliveCountMax + 1),
		serverMethods: () => serverMethods,
	};
}

/** Connects `raw`; resolves once it is authenticated and the host key is checked (or pinned). */
export async function handshake(raw: Client, connection: PreparedConnection, options: SshConnectOptions): Promise<void> {
	const {signal} = options;
	const {target, config, hostKeys, offered, readyTimeoutMs} = connection;
	return new Promise<void>((resolve, reject) => {
		let settled = false;
		let socketConnected = false;
		let pinned: Promise<void> | undefined;
		const context = () => ({...target, socketConnected, readyTimeoutMs});

		const finish = (error: Error | undefined): void => {
			if (settled) return;
			settled = true;
			signal?.removeEventListener('abort', onAbort);
			raw.off('connect', onConnect).off('handshake', onHandshake).off('ready', onReady).off('error', onError).off('close', onClose);
			if (error === undefined) {
				resolve();
			} else {
				raw.destroy();
				reject(error);
			}
		};

		const onAbort = (): void => {
			finish(abortError(signal!));
		};

		const onConnect = (): void => {
			socketConnected = true;
		};

		// The server has proved it holds the key: now it may be pinned.
		const onHandshake = (): void => {
			pinned = hostKeys.commit();
			pinned.catch(() => undefined);
		};

		const onReady = (): void => {
			void (pinned ?? Promise.resolve()).then(
				() => {
					finish(undefined);
				},
				(error: unknown) => {
					finish(asError(error));
				},
			);
		};

		const onKeyboard = (_name: string, _instructions: string, _lang: string, prompts: unknown[], answer: (responses: string[]) => void): void => {
			answer(prompts.map(() => options.password ?? ''));
		};

		const onError = (error: Ssh2Error): void => {
			// ssh2 reports an unusable agent and goes on with the next method.
			if (error.level === 'agent') {
				offered.agentError = error.message;
				return;
			}

			if (hostKeys.mismatch) finish(hostKeys.mismatch);
			else if (error.level === 'client-authentication') finish(authFailure(target, connection.serverMethods(), offered));
			else finish(connectFailure(error, context()));
		};

		const onClose = (): void => {
			finish(hostKeys.mismatch ?? closedBeforeReady(context()));
		};

		signal?.addEventListener('abort', onAbort, {once: true});
		raw.on('connect', onConnect).on('handshake', onHandshake).on('ready', onReady).on('error', onError).on('close', onClose);
		raw.on('keyboard-interactive', onKeyboard);
		try {
			raw.connect(config);
		} catch (error) {
			finish(new MachinistError(`SSH to ${options.hostLabel} (${describeTarget(target)}) could not start: ${(error as Error).message}`, {cause: error}));
		}
	});
}
