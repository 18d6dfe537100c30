// One question asked again at a beat for a long-running face (a swarm's nodes, a machine's
// containers): the machines' own poller is machines/poller.ts.
import {errorMessage} from './errors.js';

export type QuerySnapshot<T> = {
	/** The latest answer; it stays when a later ask fails. */
	value?: T;
	/** Why the latest ask failed; undefined once one succeeds again. */
	error?: string;
	/** When the latest ask ended (ms since epoch), the clock for ages drawn from it. */
	at?: number;
};

export type QueryPollerOptions = {
	/** Asked again this long after the previous ask ended. */
	intervalMs: number;
	now?: () => number;
};

/**
 * Asks `ask` at once on start and again `intervalMs` after each answer, one ask at a time, and
 * keeps the latest answer and error. Stopping aborts the ask in flight and drops its answer.
 * Faces subscribe and read `snapshot()`; they never set timers.
 */
export class QueryPoller<T> {
	readonly #ask: (signal: AbortSignal) => Promise<T>;
	readonly #intervalMs: number;
	readonly #now: () => number;
	readonly #listeners = new Set<() => void>();
	#snapshot: QuerySnapshot<T> = {};
	#controller: AbortController | undefined;
	#timer: NodeJS.Timeout | undefined;

	constructor(ask: (signal: AbortSignal) => Promise<T>, options: QueryPollerOptions) {
		this.#ask = ask;
		this.#intervalMs = options.intervalMs;
		this.#now = options.now ?? Date.now;
	}

	start(): void {
		if (this.#controller) return;
		const controller = new AbortController();
		this.#controller = controller;
		void this.#round(controller);
	}

	stop(): void {
		clearTimeout(this.#timer);
		this.#controller?.abort();
		this.#controller = undefined;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The same object until something changes, so a face can compare it. */
	snapshot(): QuerySnapshot<T> {
		return this.#snapshot;
	}

	async #round(controller: AbortController): Promise<void> {
		let next: QuerySnapshot<T>;
		try {
			next = {value: await this.#ask(controller.signal), at: this.#now()};
		} catch (error) {
			next = {value: this.#snapshot.value, error: errorMessage(error), at: this.#now()};
		}

		if (controller.signal.aborted) return;
		this.#snapshot = next;
		for (const listener of this.#listeners) listener();
		this.#timer = setTimeout(() => {
			void this.#round(controller);
		}, this.#intervalMs);
	}
}
