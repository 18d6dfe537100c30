// What a connection, a command and a file transfer take, and their defaults.

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
export const defaultKeepaliveIntervalMs = 5000;
export const defaultKeepaliveCountMax = 2;
export const defaultMaxDownloadBytes = 1024 * 1024;
