/**
 * One SSH connection to a machine, on ssh2 (no ssh binary needed): authenticated with a key, an
 * agent or a password, the host key pinned (see hostkeys.ts), and every operation bounded by a
 * timeout and cancellable with an AbortSignal.
 */
import ssh2, {type AuthenticationType, type ClientChannel, type ConnectConfig, type SFTPWrapper} from 'ssh2';
import {MachinistError, abortError, asError} from '../errors.js';
import {
	type OfferedCredentials,
	type SshEndpoint,
	SshCommandError,
	SshConnectionError,
	SshTimeoutError,
	authFailure,
	closedBeforeReady,
	commandForMessage,
	connectFailure,
	connectionLost,
	describeTarget,
} from './errors.js';
import {createHostKeyCheck} from './hostkeys.js';
import {parsePrivateKey, readPrivateKey} from './keys.js';
import {SudoError, privilegedCommand, sudoProblem} from './sudo.js';
import {RemoteFileTooLargeError, downloadScript, sftpRead, sftpReason, sftpWrite, uploadScript} from './transfer.js';

export type SshConnectOptions = {
	host: string;
	port: number;
	user: string;
	/** Private key file; checked like OpenSSH checks it (readable, not group/other accessible). */
	privateKeyPath?: string;
	/** Private key contents, when not in a file. */
	privateKey?: string | Buffer;
	/** ssh-agent socket, usually SSH_AUTH_SOCK of the engine's environment. */
	agent?: string;
	password?: string;
	/** The machine's `known_hosts` file holding its pinned host key. */
	knownHostsFile: string;
	/** The machine name, for messages. */
	hostLabel: string;
	/** TCP connect, handshake and authentication together; default 10 s. */
	readyTimeoutMs?: number;
	/** Default 5 s; with `keepaliveCountMax` 2, a vanished host is noticed 15 s after its last answer. */
	keepaliveIntervalMs?: number;
	keepaliveCountMax?: number;
	signal?: AbortSignal;
	/** The command name for remedies in messages. */
	program?: string;
};

export type ExecOptions = {
	/** Sent to the command's stdin, which is then closed; without it stdin is closed at once. */
	stdin?: string | Buffer;
	onStdout?: (chunk: Buffer) => void;
	onStderr?: (chunk: Buffer) => void;
	/** A pseudo-terminal; stderr then arrives merged into stdout. */
	pty?: boolean;
	signal?: AbortSignal;
	/** Default 10 minutes (package installs are slow); the command is killed when it passes. */
	timeoutMs?: number;
	/** What the command does, for messages ("restart docker"); default: the command itself. */
	label?: string;
};

export type ExecResult = {
	/** Exit code, or null when the command was killed by a signal. */
	code: number | null;
	/** The signal name without `SIG` (`KILL`), when killed by one. */
	signal: string | null;
	stdout: string;
	stderr: string;
};

export type TransferOptions = {
	/** Write or read as root: via `sudo -n` (or directly as root) with the content on stdin. */
	sudo?: boolean;
	signal?: AbortSignal;
	/** Default 60 s. */
	timeoutMs?: number;
};

export type UploadOptions = TransferOptions & {
	/** Permission bits of the file, e.g. 0o600. */
	mode: number;
};

export type DownloadOptions = TransferOptions & {
	/** Refuse larger files; default 1 MiB. */
	maxBytes?: number;
};

export const defaultReadyTimeoutMs = 10_000;
export const defaultExecTimeoutMs = 10 * 60_000;
export const defaultTransferTimeoutMs = 60_000;
const defaultKeepaliveIntervalMs = 5000;
const defaultKeepaliveCountMax = 2;
const defaultMaxDownloadBytes = 1024 * 1024;

type Ssh2Error = Error & {level?: string; code?: string | number};
type RawResult = {code: number | null; signal: string | null; stdout: Buffer; stderr: Buffer};

export class SshClient {
	/** Opens a connection; resolves once it is authenticated and the host key is checked (or pinned). */
	static async connect(options: SshConnectOptions): Promise<SshClient> {
		const {signal} = options;
		signal?.throwIfAborted();
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
		signal?.throwIfAborted();

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

		const raw = new ssh2.Client();
		const client = new SshClient(raw, target, keepaliveIntervalMs * (keepaliveCountMax + 1));
		return new Promise<SshClient>((resolve, reject) => {
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
					resolve(client);
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
				else if (error.level === 'client-authentication') finish(authFailure(target, serverMethods, offered));
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
				finish(
					new MachinistError(`SSH to ${options.hostLabel} (${describeTarget(target)}) could not start: ${(error as Error).message}`, {cause: error}),
				);
			}
		});
	}

	readonly target: SshEndpoint;
	readonly #raw: InstanceType<typeof ssh2.Client>;
	readonly #keepaliveMs: number;
	/** Operations in flight, failed at once when the connection drops. */
	readonly #inFlight = new Set<() => void>();
	#lastError: Ssh2Error | undefined;
	#closed = false;
	#closedByUs = false;
	#sftpUnavailable = false;

	private constructor(raw: InstanceType<typeof ssh2.Client>, target: SshEndpoint, keepaliveMs: number) {
		this.#raw = raw;
		this.target = target;
		this.#keepaliveMs = keepaliveMs;
		// Always listened to: an unhandled 'error' event would crash the process.
		raw.on('error', (error: Ssh2Error) => {
			this.#lastError = error;
		});
		raw.on('close', () => {
			this.#closed = true;
			for (const fail of this.#inFlight) fail();
		});
	}

	get user(): string {
		return this.target.user;
	}

	get isRoot(): boolean {
		return this.target.user === 'root';
	}

	/** False once the connection has ended, by close() or otherwise. */
	get connected(): boolean {
		return !this.#closed;
	}

	close(): void {
		this.#closed = true;
		this.#closedByUs = true;
		this.#raw.end();
		// end() waits for the server's goodbye; a dead peer would keep the socket (and the process) alive.
		setTimeout(() => {
			this.#raw.destroy();
		}, 1000).unref();
	}

	/**
	 * An interactive login shell on a pseudo-terminal the size of `terminal`, for `machinist ssh`
	 * where no OpenSSH client is installed. Input and output flow through until the remote
	 * shell exits; resolves with its exit code. The caller puts its terminal in raw mode.
	 */
	async interactiveShell(terminal: {
		input: NodeJS.ReadableStream;
		output: NodeJS.WritableStream & {
			columns?: number;
			rows?: number;
			on?(event: 'resize', listener: () => void): unknown;
			off?(event: 'resize', listener: () => void): unknown;
		};
		errorOutput: NodeJS.WritableStream;
		term?: string;
	}): Promise<number> {
		return new Promise((resolve, reject) => {
			const window = {term: terminal.term ?? 'xterm-256color', rows: terminal.output.rows ?? 24, cols: terminal.output.columns ?? 80};
			this.#raw.shell(window, (error, channel) => {
				if (error) {
					reject(
						new SshConnectionError(
							'lost',
							`could not open a shell: ${error.message}`,
							`Could not open a shell on ${this.target.hostLabel}: ${error.message}`,
							error,
						),
					);
					return;
				}

				const onResize = () => {
					channel.setWindow(terminal.output.rows ?? 24, terminal.output.columns ?? 80, 0, 0);
				};

				terminal.output.on?.('resize', onResize);
				terminal.input.pipe(channel);
				channel.pipe(terminal.output, {end: false});
				channel.stderr.pipe(terminal.errorOutput, {end: false});
				let code = 0;
				channel.on('exit', (exitCode: number | null) => {
					code = exitCode ?? 1;
				});
				channel.on('close', () => {
					terminal.input.unpipe(channel);
					terminal.output.off?.('resize', onResize);
					resolve(code);
				});
			});
		});
	}

	/** Runs `command` in the login user's shell; a non-zero exit is a result, not an error. */
	async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
		const raw = await this.#execute(command, options);
		return {code: raw.code, signal: raw.signal, stdout: raw.stdout.toString('utf8'), stderr: raw.stderr.toString('utf8')};
	}

	/** Runs `command` and returns its stdout; a non-zero exit throws an SshCommandError. */
	async run(command: string, options: ExecOptions = {}): Promise<string> {
		const result = await this.exec(command, options);
		if (result.code !== 0) throw new SshCommandError(this.target, {command, ...result});
		return result.stdout;
	}

	/**
	 * Runs the shell script `command` as root (see privilegedCommand) and returns its stdout. A
	 * sudo that wants a password, a terminal or is missing throws a SudoError saying how to fix it.
	 */
	async sudo(command: string, options: ExecOptions = {}): Promise<string> {
		return this.#sudo(command, options);
	}

	async #sudo(command: string, options: ExecOptions, what?: string): Promise<string> {
		const wrapped = privilegedCommand(command, this.target.user);
		let result = await this.exec(wrapped, options);
		let problem = this.#sudoProblem(result);
		// "Defaults requiretty" (older RHEL): docker-machine always used a pty there. stdin data
		// cannot go through a terminal unchanged, so only plain commands are retried.
		if (problem === 'tty' && options.stdin === undefined && !options.pty) {
			result = await this.exec(wrapped, {...options, pty: true});
			problem = this.#sudoProblem(result);
		}

		if (problem) throw new SudoError(problem, this.target.hostLabel, this.target.user);
		if (result.code !== 0) throw new SshCommandError(this.target, {command, ...result}, what);
		return result.stdout;
	}

	/**
	 * Writes `content` to `remotePath` with `mode`. As the login user over SFTP (or `cat` when the
	 * server has no SFTP); with `sudo`, as root through a script reading the content from stdin.
	 */
	async upload(remotePath: string, content: string | Buffer, options: UploadOptions): Promise<void> {
		const data = typeof content === 'string' ? Buffer.from(content) : content;
		const timeoutMs = options.timeoutMs ?? defaultTransferTimeoutMs;
		const script = uploadScript(remotePath, options.mode);
		const what = `Uploading ${remotePath}`;
		if (options.sudo) {
			await this.#sudo(script, {stdin: data, signal: options.signal, timeoutMs}, what);
			return;
		}

		const hint = `check that the directory exists and ${this.target.user} may write there, or upload with sudo`;
		const done = await this.#withSftp(`uploading ${remotePath}`, hint, options, async sftp => {
			await sftpWrite(sftp, remotePath, data, options.mode);
			return true;
		});
		if (done === undefined) {
			const result = await this.exec(script, {stdin: data, signal: options.signal, timeoutMs});
			if (result.code !== 0) throw new SshCommandError(this.target, {command: script, ...result}, what);
		}
	}

	/** Reads a small file; with `sudo`, as root. */
	async download(remotePath: string, options: DownloadOptions = {}): Promise<Buffer> {
		const maxBytes = options.maxBytes ?? defaultMaxDownloadBytes;
		if (!options.sudo) {
			const data = await this.#withSftp(
				`downloading ${remotePath}`,
				`check the path and that ${this.target.user} may read it, or download with sudo`,
				options,
				async sftp => sftpRead(sftp, remotePath, maxBytes, this.target.hostLabel),
			);
			if (data !== undefined) return data;
		}

		// Stop reading once the file is too large rather than holding it all in memory.
		const tooLarge = new AbortController();
		let received = 0;
		const onStdout = (chunk: Buffer): void => {
			received += chunk.length;
			if (received > maxBytes) tooLarge.abort(new RemoteFileTooLargeError(remotePath, this.target.hostLabel, maxBytes));
		};

		const signal = options.signal ? AbortSignal.any([options.signal, tooLarge.signal]) : tooLarge.signal;
		const execOptions = {onStdout, signal, timeoutMs: options.timeoutMs ?? defaultTransferTimeoutMs};
		const script = downloadScript(remotePath);
		const wrapped = options.sudo ? privilegedCommand(script, this.target.user) : script;
		const raw = await this.#execute(wrapped, execOptions);
		const stderr = raw.stderr.toString('utf8');
		const problem = options.sudo ? sudoProblem(stderr, raw.code) : undefined;
		if (problem && !this.isRoot) throw new SudoError(problem, this.target.hostLabel, this.target.user);
		if (raw.code !== 0)
			throw new SshCommandError(this.target, {command: script, code: raw.code, signal: raw.signal, stdout: '', stderr}, `Downloading ${remotePath}`);
		return raw.stdout;
	}

	#sudoProblem(result: ExecResult): ReturnType<typeof sudoProblem> {
		if (this.isRoot || result.code === 0) return undefined;
		return sudoProblem(`${result.stderr}\n${result.stdout}`, result.code);
	}

	#lost(during: string): SshConnectionError {
		if (this.#closedByUs) {
			return new SshConnectionError(
				'lost',
				'connection closed',
				`The SSH connection to ${this.target.hostLabel} (${describeTarget(this.target)}) was closed before ${during}; open a new one`,
			);
		}

		return connectionLost(this.target, during, this.#lastError, this.#keepaliveMs);
	}

	#assertOpen(during: string): void {
		if (this.#closed) throw this.#lost(during);
	}

	/**
	 * Runs `work` on a fresh SFTP session within the timeout. Resolves undefined when the server
	 * has no SFTP subsystem, so the caller can fall back to a command.
	 */
	async #withSftp<T>(what: string, hint: string, options: TransferOptions, work: (sftp: SFTPWrapper) => Promise<T>): Promise<T | undefined> {
		if (this.#sftpUnavailable) return undefined;
		this.#assertOpen(what);
		options.signal?.throwIfAborted();
		const timeoutMs = options.timeoutMs ?? defaultTransferTimeoutMs;
		let sftp: SFTPWrapper | undefined;
		return new Promise<T | undefined>((resolve, reject) => {
			let settled = false;
			const finish = (error: Error | undefined, value?: T): void => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				options.signal?.removeEventListener('abort', onAbort);
				this.#inFlight.delete(fail);
				sftp?.end();
				if (error === undefined) resolve(value);
				else reject(error);
			};

			const fail = (): void => {
				finish(this.#lost(what));
			};

			const onAbort = (): void => {
				finish(abortError(options.signal!));
			};

			const timer = setTimeout(() => {
				finish(new SshTimeoutError(this.target, capitalize(what), timeoutMs));
			}, timeoutMs);
			options.signal?.addEventListener('abort', onAbort, {once: true});
			this.#inFlight.add(fail);
			try {
				this.#raw.sftp((error, session) => {
					if (settled) {
						session?.end();
						return;
					}

					if (error) {
						if (this.#closed) {
							finish(this.#lost(what));
							return;
						}

						// "Unable to start subsystem: sftp": sshd without an sftp Subsystem line.
						this.#sftpUnavailable = true;
						finish(undefined, undefined);
						return;
					}

					sftp = session;
					work(session).then(
						value => {
							finish(undefined, value);
						},
						(workError: unknown) => {
							if (workError instanceof MachinistError) finish(workError);
							else if (this.#closed) finish(this.#lost(what));
							else
								finish(
									new MachinistError(`${capitalize(what)} on ${this.target.hostLabel} failed: ${sftpReason(workError)}; ${hint}`, {
										cause: workError,
									}),
								);
						},
					);
				});
			} catch (error) {
				finish(this.#closed ? this.#lost(what) : asError(error));
			}
		});
	}

	async #execute(command: string, options: ExecOptions): Promise<RawResult> {
		const what = `running "${options.label ?? commandForMessage(command, 60)}"`;
		this.#assertOpen(what);
		options.signal?.throwIfAborted();
		const timeoutMs = options.timeoutMs ?? defaultExecTimeoutMs;
		return new Promise<RawResult>((resolve, reject) => {
			let settled = false;
			let channel: ClientChannel | undefined;
			let code: number | null = null;
			let exitSignal: string | null = null;
			const stdout: Buffer[] = [];
			const stderr: Buffer[] = [];

			const finish = (error: Error | undefined): void => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				options.signal?.removeEventListener('abort', onAbort);
				this.#inFlight.delete(fail);
				if (error === undefined) {
					resolve({code, signal: exitSignal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr)});
					return;
				}

				if (channel) stop(channel);
				reject(error);
			};

			const fail = (): void => {
				finish(this.#lost(what));
			};

			const onAbort = (): void => {
				finish(abortError(options.signal!));
			};

			const timer = setTimeout(() => {
				finish(new SshTimeoutError(this.target, `Command "${commandForMessage(command)}"`, timeoutMs));
			}, timeoutMs);
			options.signal?.addEventListener('abort', onAbort, {once: true});
			this.#inFlight.add(fail);

			// A throwing callback must fail this command, not escape into ssh2's event loop.
			const relay =
				(callback: ((chunk: Buffer) => void) | undefined, chunks: Buffer[]) =>
				(chunk: Buffer): void => {
					chunks.push(chunk);
					try {
						callback?.(chunk);
					} catch (error) {
						finish(asError(error));
					}
				};

			const onChannel = (error: Error | undefined, opened: ClientChannel): void => {
				if (error) {
					finish(
						this.#closed
							? this.#lost(what)
							: new MachinistError(`Could not start "${commandForMessage(command)}" on ${this.target.hostLabel}: ${error.message}`, {
									cause: error,
								}),
					);
					return;
				}

				if (settled) {
					stop(opened);
					return;
				}

				channel = opened;
				opened.on('data', relay(options.onStdout, stdout));
				opened.stderr.on('data', relay(options.onStderr, stderr));
				opened.on('exit', (exitCode: number | null, signalName?: string) => {
					if (typeof exitCode === 'number') code = exitCode;
					else if (signalName) exitSignal = signalName.replace(/^SIG/, '');
				});
				opened.on('close', () => {
					if (code !== null || exitSignal !== null) {
						finish(undefined);
						return;
					}

					// No exit status: the connection went down, which ssh2 reports right after this.
					setImmediate(() => {
						finish(
							this.#closed
								? this.#lost(what)
								: new MachinistError(
										`"${commandForMessage(command)}" on ${this.target.hostLabel} ended without an exit status; the server closed the session`,
									),
						);
					});
				});
				// Without data, stdin is closed at once: a command that reads it must not wait forever.
				if (options.stdin === undefined) opened.end();
				else opened.end(options.stdin);
			};

			try {
				if (options.pty) this.#raw.exec(command, {pty: {term: 'xterm', rows: 24, cols: 80}}, onChannel);
				else this.#raw.exec(command, onChannel);
			} catch (error) {
				finish(this.#closed ? this.#lost(what) : asError(error));
			}
		});
	}
}

/** Stops a remote command: a KILL where the server supports signals, then closing the channel. */
function stop(channel: ClientChannel): void {
	try {
		sendSignal(channel, 'KILL');
	} catch {}

	try {
		channel.close();
	} catch {}
}

type ChannelInternals = {
	outgoing?: {id: number; state: string};
	_client?: {_protocol?: {signal?: (id: number, name: string) => void}};
};

/**
 * ssh2's `channel.signal()` does nothing once we have sent EOF, and we send EOF at once for
 * commands without stdin (otherwise `cat` would wait forever). RFC 4254 allows the request
 * after EOF, and sshd honours it, so we make it through ssh2's protocol object.
 */
function sendSignal(channel: ClientChannel, name: string): void {
	const internals = channel as unknown as ChannelInternals;
	const {outgoing} = internals;
	const protocol = internals._client?._protocol;
	if (outgoing && (outgoing.state === 'open' || outgoing.state === 'eof') && typeof protocol?.signal === 'function') {
		protocol.signal(outgoing.id, name);
	} else {
		channel.signal(name);
	}
}

function capitalize(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
