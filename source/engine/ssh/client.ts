/**
 * One SSH connection to a machine, on ssh2 (no ssh binary needed): authenticated with a key, an
 * agent or a password, the host key pinned (see hostkeys.ts), and every operation bounded by a
 * timeout and cancellable with an AbortSignal.
 */
import ssh2 from 'ssh2';
import {type Connection, execute, withSftp} from './channels.js';
import {SshCommandError, SshConnectionError, type SshEndpoint, connectionLost, describeTarget} from './errors.js';
import {type Ssh2Error, handshake, prepareConnection} from './handshake.js';
import {
	type DownloadOptions,
	type ExecOptions,
	type ExecResult,
	type SshConnectOptions,
	type UploadOptions,
	defaultMaxDownloadBytes,
	defaultTransferTimeoutMs,
} from './options.js';
import {SudoError, privilegedCommand, sudoProblem} from './sudo.js';
import {RemoteFileTooLargeError, downloadScript, sftpRead, sftpWrite, uploadScript} from './transfer.js';

export class SshClient {
	/** Opens a connection; resolves once it is authenticated and the host key is checked (or pinned). */
	static async connect(options: SshConnectOptions): Promise<SshClient> {
		const connection = await prepareConnection(options);
		const raw = new ssh2.Client();
		const client = new SshClient(raw, connection.target, connection.keepaliveMs);
		await handshake(raw, connection, options);
		return client;
	}

	readonly target: SshEndpoint;
	readonly #raw: InstanceType<typeof ssh2.Client>;
	readonly #keepaliveMs: number;
	/** What commands and SFTP sessions need of this connection. */
	readonly #connection: Connection;
	#lastError: Ssh2Error | undefined;
	#closed = false;
	#closedByUs = false;

	private constructor(raw: InstanceType<typeof ssh2.Client>, target: SshEndpoint, keepaliveMs: number) {
		this.#raw = raw;
		this.target = target;
		this.#keepaliveMs = keepaliveMs;
		this.#connection = {
			raw,
			target,
			inFlight: new Set(),
			isClosed: () => this.#closed,
			lost: during => this.#lost(during),
			sftpUnavailable: false,
		};
		// Always listened to: an unhandled 'error' event would crash the process.
		raw.on('error', (error: Ssh2Error) => {
			this.#lastError = error;
		});
		raw.on('close', () => {
			this.#closed = true;
			for (const fail of this.#connection.inFlight) fail();
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
		const raw = await execute(this.#connection, command, options);
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
		const done = await withSftp(this.#connection, `uploading ${remotePath}`, hint, options, async sftp => {
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
			const data = await withSftp(
				this.#connection,
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
		const raw = await execute(this.#connection, wrapped, execOptions);
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
}
