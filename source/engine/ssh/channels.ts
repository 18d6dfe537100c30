/**
 * The channels operations open on a connection: a command, an SFTP session. Each is bounded by a
 * timeout, cancellable with an AbortSignal, and failed at once when the connection drops.
 */
import type {Client, ClientChannel, SFTPWrapper} from 'ssh2';
import {MachinistError, abortError, asError} from '../errors.js';
import {type SshConnectionError, type SshEndpoint, SshTimeoutError, commandForMessage} from './errors.js';
import {type ExecOptions, type TransferOptions, defaultExecTimeoutMs, defaultTransferTimeoutMs} from './options.js';
import {sftpReason} from './transfer.js';

/** What a channel needs of the connection it runs on (SshClient keeps it). */
export type Connection = {
	readonly raw: Client;
	readonly target: SshEndpoint;
	/** Operations in flight, failed at once when the connection drops. */
	readonly inFlight: Set<() => void>;
	isClosed(): boolean;
	/** The error for an operation the connection's end cut short. */
	lost(during: string): SshConnectionError;
	/** Set once the server has no SFTP subsystem: transfers go through commands from then on. */
	sftpUnavailable: boolean;
};

/** A command's exit and its output, as bytes. */
export type RawResult = {code: number | null; signal: string | null; stdout: Buffer; stderr: Buffer};

export function assertOpen(connection: Connection, during: string): void {
	if (connection.isClosed()) throw connection.lost(during);
}

/**
 * Runs `work` on a fresh SFTP session within the timeout. Resolves undefined when the server
 * has no SFTP subsystem, so the caller can fall back to a command.
 */
export async function withSftp<T>(
	connection: Connection,
	what: string,
	hint: string,
	options: TransferOptions,
	work: (sftp: SFTPWrapper) => Promise<T>,
): Promise<T | undefined> {
	if (connection.sftpUnavailable) return undefined;
	assertOpen(connection, what);
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
			connection.inFlight.delete(fail);
			sftp?.end();
			if (error === undefined) resolve(value);
			else reject(error);
		};

		const fail = (): void => {
			finish(connection.lost(what));
		};

		const onAbort = (): void => {
			finish(abortError(options.signal!));
		};

		const timer = setTimeout(() => {
			finish(new SshTimeoutError(connection.target, capitalize(what), timeoutMs));
		}, timeoutMs);
		options.signal?.addEventListener('abort', onAbort, {once: true});
		connection.inFlight.add(fail);
		try {
			connection.raw.sftp((error, session) => {
				if (settled) {
					session?.end();
					return;
				}

				if (error) {
					if (connection.isClosed()) {
						finish(connection.lost(what));
						return;
					}

					// "Unable to start subsystem: sftp": sshd without an sftp Subsystem line.
					connection.sftpUnavailable = true;
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
						else if (connection.isClosed()) finish(connection.lost(what));
						else
							finish(
								new MachinistError(`${capitalize(what)} on ${connection.target.hostLabel} failed: ${sftpReason(workError)}; ${hint}`, {
									cause: workError,
								}),
							);
					},
				);
			});
		} catch (error) {
			finish(connection.isClosed() ? connection.lost(what) : asError(error));
		}
	});
}

export async function execute(connection: Connection, command: string, options: ExecOptions): Promise<RawResult> {
	const what = `running "${options.label ?? commandForMessage(command, 60)}"`;
	assertOpen(connection, what);
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
			connection.inFlight.delete(fail);
			if (error === undefined) {
				resolve({code, signal: exitSignal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr)});
				return;
			}

			if (channel) stop(channel);
			reject(error);
		};

		const fail = (): void => {
			finish(connection.lost(what));
		};

		const onAbort = (): void => {
			finish(abortError(options.signal!));
		};

		const timer = setTimeout(() => {
			finish(new SshTimeoutError(connection.target, `Command "${commandForMessage(command)}"`, timeoutMs));
		}, timeoutMs);
		options.signal?.addEventListener('abort', onAbort, {once: true});
		connection.inFlight.add(fail);

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
					connection.isClosed()
						? connection.lost(what)
						: new MachinistError(`Could not start "${commandForMessage(command)}" on ${connection.target.hostLabel}: ${error.message}`, {
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
						connection.isClosed()
							? connection.lost(what)
							: new MachinistError(
									`"${commandForMessage(command)}" on ${connection.target.hostLabel} ended without an exit status; the server closed the session`,
								),
					);
				});
			});
			// Without data, stdin is closed at once: a command that reads it must not wait forever.
			if (options.stdin === undefined) opened.end();
			else opened.end(options.stdin);
		};

		try {
			if (options.pty) connection.raw.exec(command, {pty: {term: 'xterm', rows: 24, cols: 80}}, onChannel);
			else connection.raw.exec(command, onChannel);
		} catch (error) {
			finish(connection.isClosed() ? connection.lost(what) : asError(error));
		}
	});
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
