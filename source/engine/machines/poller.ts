// The app's machine list kept fresh: the machines on screen at the beat, busy ones faster, the
// rest in the background.
import type {Engine} from '../engine.js';
import {naturalCompare} from '../natural-compare.js';
import {queryMachines, type MachineStatus} from './query.js';

/** A machine as the TUI lists it: the latest answer, or the last good one when it timed out. */
export type MachineRow = MachineStatus & {
	/** When this row's data was last answered (ms since epoch); undefined before the first answer. */
	updatedAt?: number;
	/** The last query timed out: the data shown is the previous answer. */
	stale: boolean;
};

export type PollerOptions = {
	/** Every machine, this often (default 5 s). */
	intervalMs?: number;
	/** Machines marked busy (starting, stopping, provisioning), this often (default 1 s). */
	fastIntervalMs?: number;
	/**
	 * Machines the face says are off screen, this often (default 30 s): with 200 machines and 40
	 * rows on screen, polling all of them every beat is what the idle app spends its CPU on.
	 */
	backgroundIntervalMs?: number;
	/** Per-machine query timeout (default 10 s, as `ls`). */
	timeoutMs?: number;
	concurrency?: number;
	now?: () => number;
};

/** How long the view must rest before rows that came into it are polled. */
const arrivalSettleMs = 150;

/**
 * The one place that polls machines for a long-running face: bounded concurrency, per-host
 * timeouts, a faster beat for machines in transition, and rows that keep their last known data
 * when a host stops answering. Faces subscribe and render `rows()`; they never set timers.
 */
export class StatusPoller {
	readonly #engine: Engine;
	readonly #options: Required<Omit<PollerOptions, 'now'>>;
	readonly #now: () => number;
	readonly #rows = new Map<string, MachineRow>();
	readonly #listeners = new Set<() => void>();
	readonly #fast = new Set<string>();
	/** What the face shows; undefined until it says, which means every machine. */
	#visible: ReadonlySet<string> | undefined;
	readonly #arrived = new Set<string>();
	#arrivalTimer: NodeJS.Timeout | undefined;
	#order: string[] = [];
	#timers: NodeJS.Timeout[] = [];
	#polling = false;
	#lastSignature = '';
	#lastEmit = 0;
	/** What was asked for while a poll ran: polled right after it. */
	#pending: Array<(name: string) => boolean> = [];
	#controller = new AbortController();

	constructor(engine: Engine, options: PollerOptions = {}) {
		this.#engine = engine;
		this.#options = {
			intervalMs: options.intervalMs ?? 5000,
			fastIntervalMs: options.fastIntervalMs ?? 1000,
			backgroundIntervalMs: options.backgroundIntervalMs ?? 30_000,
			timeoutMs: options.timeoutMs ?? 10_000,
			concurrency: options.concurrency ?? 8,
		};
		this.#now = options.now ?? Date.now;
	}

	start(): void {
		void this.refresh();
		this.#timers.push(
			setInterval(() => {
				void this.#poll(name => this.#due(name));
			}, this.#options.intervalMs),
			setInterval(() => {
				if (this.#fast.size > 0) void this.#poll(name => this.#fast.has(name));
			}, this.#options.fastIntervalMs),
		);
	}

	stop(): void {
		clearTimeout(this.#arrivalTimer);
		for (const timer of this.#timers) clearInterval(timer);
		this.#timers = [];
		this.#controller.abort();
		this.#controller = new AbortController();
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Machines in `ls` order. */
	rows(): MachineRow[] {
		return this.#order.flatMap(name => {
			const row = this.#rows.get(name);
			return row ? [row] : [];
		});
	}

	/** Polls a machine at the fast beat while an operation changes it. */
	setBusy(name: string, busy: boolean): void {
		if (busy) this.#fast.add(name);
		else this.#fast.delete(name);
	}

	/**
	 * The machines the face shows. They are polled at the beat, the others every
	 * `backgroundIntervalMs`; a machine that comes into view with an answer older than the beat is
	 * polled at once, so what is on screen is never older than one beat.
	 */
	setVisible(names: readonly string[]): void {
		const previous = this.#visible;
		this.#visible = new Set(names);
		if (!previous) return;
		for (const name of names) if (!previous.has(name)) this.#arrived.add(name);
		// While a key is held the view moves every few milliseconds: poll once it rests, for
		// what is then on screen, so scrolling is not slowed by queries of rows already gone.
		clearTimeout(this.#arrivalTimer);
		this.#arrivalTimer = setTimeout(() => {
			const now = this.#now();
			const wanted = new Set([...this.#arrived].filter(name => this.#visible?.has(name) && this.#age(name, now) >= this.#options.intervalMs));
			this.#arrived.clear();
			if (wanted.size > 0) void this.#poll(name => wanted.has(name));
		}, arrivalSettleMs);
	}

	#age(name: string, now: number): number {
		const updatedAt = this.#rows.get(name)?.updatedAt;
		return updatedAt === undefined ? Number.POSITIVE_INFINITY : now - updatedAt;
	}

	/** At the beat: what is on screen or busy, and whatever the background beat has come round to. */
	#due(name: string): boolean {
		if (this.#visible === undefined || this.#visible.has(name) || this.#fast.has(name)) return true;
		// Half a beat of slack, so a background row is not pushed to the next beat by jitter.
		return this.#age(name, this.#now()) >= this.#options.backgroundIntervalMs - this.#options.intervalMs / 2;
	}

	/** Polls every machine now (after an action, or on the user's request). */
	async refresh(): Promise<void> {
		await this.#poll(() => true);
	}

	async #poll(include: (name: string) => boolean): Promise<void> {
		if (this.#polling) {
			// One poll at a time; whatever was asked for meanwhile is polled right after.
			this.#pending.push(include);
			return;
		}

		this.#polling = true;
		try {
			const entries = await this.#engine.store.loadAll();
			const statuses = await queryMachines(this.#engine, entries, {
				timeoutMs: this.#options.timeoutMs,
				concurrency: this.#options.concurrency,
				signal: this.#controller.signal,
				include: host => include(host.Name),
				withInfo: true,
			});
			this.#merge(
				entries.map(entry => entry.name),
				statuses,
			);
		} catch {
			// Stopped while polling; nothing to report.
		} finally {
			this.#polling = false;
		}

		if (this.#pending.length > 0) {
			const asked = this.#pending;
			this.#pending = [];
			await this.#poll(name => asked.some(wanted => wanted(name)));
		}
	}

	#merge(names: readonly string[], statuses: readonly MachineStatus[]): void {
		const present = new Set(names);
		for (const name of this.#rows.keys()) {
			if (!present.has(name)) this.#rows.delete(name);
		}

		const now = this.#now();
		for (const status of statuses) {
			const previous = this.#rows.get(status.name);
			if (status.problem === 'timeout' && previous?.updatedAt !== undefined) {
				this.#rows.set(status.name, {...previous, stale: true});
			} else {
				this.#rows.set(status.name, {...status, updatedAt: status.problem === 'timeout' ? undefined : now, stale: status.problem === 'timeout'});
			}
		}

		// ls order: loaded machines naturally sorted, unloadable ones last.
		const rank = (row: MachineRow) => (row.problem === 'load-error' ? 1 : 0);
		this.#order = [...this.#rows.values()].sort((a, b) => rank(a) - rank(b) || naturalCompare(a.name, b.name)).map(row => row.name);
		// Listeners re-render; a poll that changed nothing a user can see wakes nobody (idle cost),
		// except twice a minute so "asked N s ago" stays honest.
		const signature = JSON.stringify(
			this.rows().map(row => [
				row.name,
				row.state,
				row.url,
				row.dockerVersion,
				row.error,
				row.stale,
				row.problem,
				row.info?.ContainersRunning,
				row.info?.Containers,
			]),
		);
		if (signature === this.#lastSignature && now - this.#lastEmit < 30_000) return;
		this.#lastSignature = signature;
		this.#lastEmit = now;
		for (const listener of this.#listeners) listener();
	}
}
