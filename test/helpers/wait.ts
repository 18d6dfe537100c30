/**
 * The one way tests wait for something they can see (a screen, a file, a daemon answering): poll
 * until it shows, with a deadline that names what never came. Not for deciding an order between
 * two things a test started: for "after X has happened", wait on X's own event.
 */
import {setTimeout as delay} from 'node:timers/promises';

export type WaitOptions = {
	/** Default 15 s. */
	timeoutMs?: number;
	/** Default 25 ms. */
	intervalMs?: number;
	/** Asked before each try: a message ends the wait at once (what it waits for can no longer happen). */
	failure?: () => string | undefined;
	/** Added to the time-out's message, e.g. the last screen. */
	detail?: () => string;
};

/**
 * Resolves with the first result of `check` that is neither undefined nor false; throws
 * `WHAT: not within N ms` after the deadline.
 */
export async function waitFor<T>(what: string, check: () => T | false | undefined | Promise<T | false | undefined>, options: WaitOptions = {}): Promise<T> {
	const timeoutMs = options.timeoutMs ?? 15_000;
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const failed = options.failure?.();
		if (failed !== undefined) throw new Error(failed);
		const value = await check();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) {
			const detail = options.detail?.();
			throw new Error(`${what}: not within ${timeoutMs} ms${detail ? `\n${detail}` : ''}`);
		}

		await delay(options.intervalMs ?? 25);
	}
}

export type Deferred<T = void> = {promise: Promise<T>; resolve: (value: T) => void};

/**
 * A promise resolved from outside, for ordering a test by events: one side resolves it when its
 * thing has happened, the other awaits it (Promise.withResolvers, which Node 20 lacks).
 */
export function deferred<T = void>(): Deferred<T> {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>(settle => {
		resolve = settle;
	});
	return {promise, resolve};
}
