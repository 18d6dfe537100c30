/**
 * Waiting for a new machine's sshd: docker-machine ran `exit 0` 60 times, 3 s apart. We back off
 * from 250 ms, so a machine that is already up answers at once, and give up early on failures
 * that waiting cannot fix (a refused key, a changed host key).
 */
import {MachinistError} from '../errors.js';
import {pause} from '../polling.js';
import {type ProgressSink, ignoreProgress} from '../progress.js';
import {SshClient} from './client.js';
import {type SshConnectOptions, defaultReadyTimeoutMs} from './options.js';
import {SshConnectionError, describeTarget, formatSeconds} from './errors.js';

export type WaitForSshOptions = {
	/** How long to keep trying, in milliseconds from now. */
	deadlineMs: number;
	signal?: AbortSignal;
	progress?: ProgressSink;
	/** First pause between attempts; doubles up to `maxDelayMs`. Default 250 ms. */
	initialDelayMs?: number;
	/** Default 3 s, docker-machine's interval. */
	maxDelayMs?: number;
};

export class SshWaitTimeoutError extends MachinistError {
	/** The failure of the last attempt. */
	readonly lastError: SshConnectionError;

	constructor(label: string, target: string, deadlineMs: number, attempts: number, lastError: SshConnectionError) {
		super(
			`SSH on ${label} (${target}) was not available within ${formatSeconds(deadlineMs)} (${attempts} attempts); last error: ${lastError.reason}. Check that the machine booted and runs sshd`,
			{cause: lastError},
		);
		this.name = 'SshWaitTimeoutError';
		this.lastError = lastError;
	}
}

const minAttemptMs = 100;

/**
 * Connects and runs `exit 0` until that works, then resolves with the open connection (close
 * it when done). Throws at once for authentication failures, host-key mismatches and key-file
 * problems; after the deadline, an SshWaitTimeoutError naming the last failure.
 */
export async function waitForSsh(options: SshConnectOptions, wait: WaitForSshOptions): Promise<SshClient> {
	const {signal} = wait;
	const progress = wait.progress ?? ignoreProgress;
	const deadline = Date.now() + wait.deadlineMs;
	const maxDelayMs = wait.maxDelayMs ?? 3000;
	let delayMs = wait.initialDelayMs ?? 250;
	let attempts = 0;
	let lastReason: string | undefined;
	progress({type: 'step', message: 'Waiting for SSH to be available...'});

	let lastError: SshConnectionError | undefined;
	for (;;) {
		signal?.throwIfAborted();
		attempts++;
		const configuredMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
		const readyTimeoutMs = Math.min(configuredMs, Math.max(minAttemptMs, deadline - Date.now()));
		let error: SshConnectionError;
		try {
			const client = await SshClient.connect({...options, readyTimeoutMs, signal});
			try {
				await client.run('exit 0', {signal, timeoutMs: Math.max(1000, deadline - Date.now())});
				return client;
			} catch (runError) {
				client.close();
				throw runError;
			}
		} catch (error_) {
			// Anything but a transient connection failure (a refused key, a pin mismatch, an abort, a
			// shell that refuses `exit 0`) will not go away by waiting.
			if (!(error_ instanceof SshConnectionError) || !error_.retryable) throw error_;
			// A timeout cut short by the deadline says less than the failure before it.
			error = error_.kind === 'timeout' && readyTimeoutMs < configuredMs && lastError ? lastError : error_;
		}

		lastError = error;
		// The last attempt starts just before the deadline; one squeezed into the last few
		// milliseconds would only report a meaningless timeout.
		const left = deadline - Date.now();
		if (left < minAttemptMs) throw new SshWaitTimeoutError(options.hostLabel, describeTarget(options), wait.deadlineMs, attempts, error);
		const waitMs = Math.min(delayMs, left - minAttemptMs);

		// One line per change of symptom (refused, then reset, then timeout…), not one per attempt.
		if (error.reason !== lastReason) {
			lastReason = error.reason;
			progress({type: 'log', machine: options.hostLabel, message: `SSH not ready yet: ${error.reason}; still trying`});
		}

		await pause(waitMs, signal);
		delayMs = Math.min(delayMs * 2, maxDelayMs);
	}
}
