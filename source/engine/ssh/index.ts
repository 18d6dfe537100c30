/** SSH to machines: connections, commands, file transfer, keys and host-key pins. */
export {shellCommand, shellQuote} from './quote.js';
export {
	type KeyKind,
	type KeyPair,
	type KeyPairPaths,
	checkPrivateKeyFile,
	generateKeyPair,
	keyFileNames,
	parsePrivateKey,
	publicKeyLine,
	publicKeyOf,
	readPrivateKey,
	rsaKeyBits,
	writeKeyPair,
} from './keys.js';
export {
	type HostKeyCheck,
	type HostKeyCheckOptions,
	type PinnedKey,
	HostKeyMismatchError,
	createHostKeyCheck,
	hostKeyFingerprint,
	hostKeyType,
	knownHostsName,
	pinHostKey,
	readPins,
	resetPin,
	sshHostKeyOptions,
} from './hostkeys.js';
export {type SshFailureKind, type SshEndpoint, SshCommandError, SshConnectionError, SshTimeoutError} from './errors.js';
export {type SudoProblem, SudoError, privilegedCommand, sudoProblem} from './sudo.js';
export {RemoteFileTooLargeError, formatMode} from './transfer.js';
export {
	type DownloadOptions,
	type ExecOptions,
	type ExecResult,
	type SshConnectOptions,
	type TransferOptions,
	type UploadOptions,
	defaultExecTimeoutMs,
	defaultReadyTimeoutMs,
	defaultTransferTimeoutMs,
} from './options.js';
export {SshClient} from './client.js';
export {type WaitForSshOptions, SshWaitTimeoutError, waitForSsh} from './wait.js';
