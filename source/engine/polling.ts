// Waiting between tries: the one abortable pause, and polling until something is ready.
import {setTimeout as delay} from 'node:timers/promises';

/** Waits `ms`; an abort ends the wait at once with the signal's reason. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
	signal?.throwIfAborted();
	try {
		await delay(ms, undefined, signal ? {signal} : undefined);
	} catch (error) {
		signal?.throwIfAborted();
		throw error;
	}
}

export type PollOptions = {
	intervalMs: number;
	timeoutMs: number;
	signal?: AbortSignal;
	/** The error for a wait that ran out (it may read a log to say why). */
	timedOut: (waitedMs: number) => Error | Promise<Error>;
	/** Told every `reportEveryMs` (default 15 s) that the wait goes on, for a "still waiting" line. */
	stillWaiting?: (waitedMs: number) => void | Promise<void>;
	reportEveryMs?: number;
};

/**
 * Calls `check` until it gives a value other than undefined, pausing `intervalMs` between calls
 * and giving up after `timeoutMs`. `check` may throw to end the wait with its own error.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
	const started = Date.now();
	let reported = started;
	for (;;) {
		options.signal?.throwIfAborted();
		const value = await check();
		if (value !== undefined) return value;
		const waited = Date.now() - started;
		if (waited >= options.timeoutMs) throw await options.timedOut(waited);
		if (options.stillWaiting && Date.now() - reported >= (options.reportEveryMs ?? 15_000)) {
			reported = Date.now();
			await options.stillWaiting(waited);
		}

		await pause(options.intervalMs, options.signal);
	}
}

/**
 * Calls `check` until it is true, pausing `intervalMs` between calls; false when `timeoutMs`
 * ran out first. For waits whose running out is an answer, not an error.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, options: Omit<PollOptions, 'timedOut' | 'stillWaiting'>): Promise<boolean> {
	const ranOut = new Error('the wait ran out');
	try {
		return await pollUntil(async () => ((await check()) ? true : undefined), {...options, timedOut: () => ranOut});
	} catch (error) {
		if (error === ranOut) return false;
		throw error;
	}
}

/** A duration as the wait messages print it: `300 s`. */
export function seconds(ms: number): string {
	return `${Math.round(ms / 1000)} s`;
}
