/**
 * SSH failures as one-line messages that say what failed, where, and what to do, plus whether
 * waiting could help: a VM that is still booting refuses connections, but a key the host does
 * not accept stays unaccepted however long we retry.
 */
import {MachinistError} from '../errors.js';

/** `host:port`, with IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: number): string {
	return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Who we connect as and where, for messages. */
export type SshEndpoint = {
	host: string;
	port: number;
	user: string;
	/** The machine name. */
	hostLabel: string;
};

export function describeTarget(target: SshEndpoint): string {
	return `${target.user}@${joinHostPort(target.host, target.port)}`;
}

export type SshFailureKind = 'refused' | 'timeout' | 'unreachable' | 'dns' | 'reset' | 'handshake' | 'auth' | 'lost';

export class SshConnectionError extends MachinistError {
	readonly kind: SshFailureKind;
	/** The failure in a few words ("connection refused"), for retry logs and summaries. */
	readonly reason: string;
	/** Whether the same attempt may succeed later, e.g. once the machine has booted. */
	readonly retryable: boolean;

	constructor(kind: SshFailureKind, reason: string, message: string, cause?: unknown) {
		super(message, cause === undefined ? {} : {cause});
		this.name = 'SshConnectionError';
		this.kind = kind;
		this.reason = reason;
		this.retryable = kind !== 'auth' && kind !== 'handshake';
	}
}

type Ssh2Error = Error & {level?: string; code?: string | number};

/** What the connecting side knew when the connection failed. */
export type ConnectFailureContext = SshEndpoint & {
	/** Whether TCP connected; a timeout before that is a network problem, after it an sshd problem. */
	socketConnected: boolean;
	readyTimeoutMs: number;
};

const socketReasons: Record<string, [SshFailureKind, string, string]> = {
	ECONNREFUSED: ['refused', 'connection refused', 'check that the machine is running and sshd listens on port PORT'],
	ETIMEDOUT: ['timeout', 'connection timed out', 'check the address and that no firewall blocks port PORT'],
	EHOSTUNREACH: ['unreachable', 'no route to host', 'check that the machine is running and its IP address is current'],
	ENETUNREACH: ['unreachable', 'network is unreachable', "check the network connection and the machine's IP address"],
	EHOSTDOWN: ['unreachable', 'host is down', 'check that the machine is running'],
	ECONNRESET: ['reset', 'connection reset by peer', 'sshd may still be starting, or a firewall resets the connection'],
	EPIPE: ['reset', 'connection closed by the server', 'sshd may still be starting'],
};

/** A failure before the connection was ready, as an SshConnectionError. */
export function connectFailure(error: Ssh2Error, context: ConnectFailureContext): SshConnectionError {
	const where = `SSH to ${context.hostLabel} (${describeTarget(context)}) failed`;
	const port = String(context.port);
	if (error.level === 'client-socket' && typeof error.code === 'string' && socketReasons[error.code]) {
		const [kind, reason, advice] = socketReasons[error.code]!;
		return new SshConnectionError(kind, reason, `${where}: ${reason}; ${advice.replace('PORT', port)}`, error);
	}

	if (error.level === 'client-dns') {
		const reason = `cannot resolve host name "${context.host}"`;
		return new SshConnectionError('dns', reason, `${where}: ${reason}; check the machine's host name`, error);
	}

	if (error.level === 'client-timeout') {
		const seconds = formatSeconds(context.readyTimeoutMs);
		if (!context.socketConnected) {
			const reason = `connection timed out after ${seconds}`;
			return new SshConnectionError('timeout', reason, `${where}: ${reason}; check the address and that no firewall blocks port ${port}`, error);
		}

		const reason = `no SSH handshake within ${seconds}`;
		return new SshConnectionError('timeout', reason, `${where}: ${reason}; check that port ${port} is sshd and that the machine is not overloaded`, error);
	}

	if (error.level === 'handshake') {
		const reason = error.message.replace(/^Handshake failed: /, '');
		return new SshConnectionError(
			'handshake',
			reason,
			`${where}: SSH handshake failed: ${reason}; the server's SSH version or settings are not supported`,
			error,
		);
	}

	// ssh2's words for "the TCP connection ended before the SSH protocol got going".
	const reason = /Connection lost before handshake/i.test(error.message) ? 'connection closed before the SSH handshake' : error.message;
	return new SshConnectionError('reset', reason, `${where}: ${reason}; sshd may still be starting`, error);
}

export function closedBeforeReady(context: ConnectFailureContext): SshConnectionError {
	const reason = 'connection closed before the SSH handshake';
	return new SshConnectionError('reset', reason, `SSH to ${context.hostLabel} (${describeTarget(context)}) failed: ${reason}; sshd may still be starting`);
}

/** The connection ended while an operation used it. */
export function connectionLost(target: SshEndpoint, during: string, cause: Ssh2Error | undefined, keepaliveMs: number): SshConnectionError {
	if (cause?.message === 'Keepalive timeout') {
		const reason = `no answer for ${formatSeconds(keepaliveMs)}`;
		return new SshConnectionError(
			'lost',
			reason,
			`ssh ${joinHostPort(target.host, target.port)}: ${reason} during ${during.replace(/^running /, '')} on ${target.hostLabel}; check whether the machine stopped or its network is down`,
			cause,
		);
	}

	let reason = 'the server closed the connection';
	if (typeof cause?.code === 'string' && socketReasons[cause.code]) reason = socketReasons[cause.code]![1];
	else if (cause) reason = cause.message;
	return new SshConnectionError(
		'lost',
		reason,
		`Lost the SSH connection to ${target.hostLabel} (${describeTarget(target)}) while ${during}: ${reason}; check whether the machine stopped or rebooted`,
		cause,
	);
}

export function formatSeconds(ms: number): string {
	const seconds = ms / 1000;
	return `${Number.isInteger(seconds) || seconds >= 10 ? Math.round(seconds) : seconds.toFixed(1)} s`;
}

/** A command for a message: on one line, and cut short when long (scripts can be pages). */
export function commandForMessage(command: string, max = 120): string {
	const line = command.replaceAll(/\s*\n\s*/g, ' ').trim();
	return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The last non-empty lines of output, joined into one line. */
export function lastLines(output: string, count = 3): string {
	return output
		.split(/\r?\n/)
		.map(line => line.trim())
		.filter(line => line !== '')
		.slice(-count)
		.join(' | ');
}

export class SshCommandError extends MachinistError {
	readonly command: string;
	readonly code: number | null;
	readonly signal: string | null;
	readonly stdout: string;
	readonly stderr: string;

	/** `what` replaces `Command "…"` at the start of the message, e.g. `Uploading /etc/docker/ca.pem`. */
	constructor(target: SshEndpoint, result: {command: string; code: number | null; signal: string | null; stdout: string; stderr: string}, what?: string) {
		const how = result.code === null ? `was killed by signal ${result.signal ?? 'unknown'}` : `failed with exit code ${result.code}`;
		// Without stderr, a failing command's own words may be on stdout (or everything is, with a pty).
		const tail = lastLines(result.stderr) || lastLines(result.stdout);
		super(`${what ?? `Command "${commandForMessage(result.command)}"`} on ${target.hostLabel} ${how}${tail ? `: ${tail}` : ''}`);
		this.name = 'SshCommandError';
		this.command = result.command;
		this.code = result.code;
		this.signal = result.signal;
		this.stdout = result.stdout;
		this.stderr = result.stderr;
	}
}

export class SshTimeoutError extends MachinistError {
	constructor(target: SshEndpoint, what: string, timeoutMs: number) {
		super(`${what} on ${target.hostLabel} (${describeTarget(target)}) did not finish within ${formatSeconds(timeoutMs)}; it was stopped`);
		this.name = 'SshTimeoutError';
	}
}

/** The credentials an authentication attempt offered, for the message when the host refused them all. */
export type OfferedCredentials = {
	/** The private key file. */
	keyFile?: string;
	/** A private key given as data rather than a file. */
	inlineKey?: boolean;
	/** The agent socket. */
	agent?: string;
	password?: boolean;
	/** Why the agent could not be used, if it could not. */
	agentError?: string;
};

/** Every offered credential was refused: waiting will not change that. */
export function authFailure(target: SshEndpoint, serverMethods: readonly string[] | undefined, offered: OfferedCredentials): SshConnectionError {
	const accepted = serverMethods && serverMethods.length > 0 ? serverMethods.join(',') : 'publickey';
	const reasons: string[] = [];
	if (offered.keyFile !== undefined) {
		reasons.push(`the key ${offered.keyFile} is not authorized on the host (add ${offered.keyFile}.pub to ~${target.user}/.ssh/authorized_keys there)`);
	}

	if (offered.inlineKey) reasons.push('the given key is not authorized on the host');
	if (offered.agent !== undefined) {
		reasons.push(
			offered.agentError === undefined
				? 'no key in the SSH agent is authorized on the host'
				: `the SSH agent at ${offered.agent} could not be used (${offered.agentError})`,
		);
	}

	if (offered.password) reasons.push('the password was refused');
	const reason = `Permission denied (${accepted})`;
	return new SshConnectionError('auth', reason, `${reason} for ${describeTarget(target)}: ${reasons.join('; ')}`);
}
