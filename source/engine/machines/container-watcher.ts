// Every running machine's containers kept current by its daemon's event stream, for the app.
import {containerEvents, listContainers, streamStats, type ContainerStats, type ContainerSummary} from '../docker/containers.js';
import type {PortReach} from '../docker/labels.js';
import type {Engine} from '../engine.js';
import {errorMessage} from '../errors.js';
import {naturalCompare} from '../natural-compare.js';
import {pause} from '../polling.js';
import {containerEndpoint, type ContainerEndpoint} from './containers.js';

export type ContainerTable = {
	machine: string;
	/** `Running` while the event stream is open; `Timeout` while it reconnects (the rows are the last known). */
	state: 'Connecting' | 'Running' | 'Timeout';
	error?: string;
	containers: ContainerSummary[];
	reach?: PortReach;
	/** When the list was last taken (ms since the epoch). */
	updatedAt?: number;
};

export type WatcherOptions = {
	/** The first wait before reconnecting; it doubles up to `maxBackoffMs`. */
	initialBackoffMs?: number;
	maxBackoffMs?: number;
	/** Events closer together than this are one re-list. */
	settleMs?: number;
};

type Watch = {
	controller: AbortController;
	table: ContainerTable;
	endpoint?: ContainerEndpoint;
	relist?: NodeJS.Timeout;
	/** The wait before the next reconnection. */
	backoffMs: number;
};

/**
 * One event stream per machine watched: a list when it opens, and a list again when a container
 * event arrives (start, die, destroy, rename, health, …), so nothing polls. A stream that ends or
 * fails leaves the last rows in place marked `Timeout` and reconnects with a growing wait.
 */
export class ContainerWatcher {
	readonly #engine: Engine;
	readonly #options: Required<WatcherOptions>;
	readonly #watches = new Map<string, Watch>();
	/** The last rows of machines no longer watched: shown again at once if they are, until listed. */
	readonly #last = new Map<string, ContainerTable>();
	readonly #listeners = new Set<() => void>();
	#emitTimer: NodeJS.Timeout | undefined;
	#lastEmit = 0;

	constructor(engine: Engine, options: WatcherOptions = {}) {
		this.#engine = engine;
		this.#options = {initialBackoffMs: options.initialBackoffMs ?? 500, maxBackoffMs: options.maxBackoffMs ?? 15_000, settleMs: options.settleMs ?? 50};
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Watches exactly these machines: new ones start, the others stop. */
	watch(machines: readonly string[]): void {
		const wanted = new Set(machines);
		for (const name of this.#watches.keys()) if (!wanted.has(name)) this.#unwatch(name);
		for (const name of wanted) {
			if (this.#watches.has(name)) continue;
			const watch: Watch = {
				controller: new AbortController(),
				table: {...(this.#last.get(name) ?? {machine: name, containers: []}), state: 'Connecting'},
				backoffMs: this.#options.initialBackoffMs,
			};
			this.#watches.set(name, watch);
			void this.#run(watch);
		}

		this.#emit();
	}

	stop(): void {
		for (const name of this.#watches.keys()) this.#unwatch(name);
		clearTimeout(this.#emitTimer);
	}

	/** The machines watched, in `ls` order. */
	tables(): ContainerTable[] {
		return [...this.#watches.values()].map(watch => watch.table).sort((a, b) => naturalCompare(a.machine, b.machine));
	}

	table(machine: string): ContainerTable | undefined {
		return this.#watches.get(machine)?.table;
	}

	/** Lists a machine again now (after an action, for its status text); the events would too. */
	refresh(machine: string): void {
		const watch = this.#watches.get(machine);
		if (watch) this.#scheduleList(watch, 0);
	}

	/** The selected container's CPU and memory, each second, until the returned function is called. */
	followStats(machine: string, id: string, onStats: (stats: ContainerStats) => void): () => void {
		const controller = new AbortController();
		void (async () => {
			const endpoint = this.#watches.get(machine)?.endpoint ?? (await containerEndpoint(this.#engine, machine, controller.signal));
			await streamStats(endpoint.client, id, onStats, controller.signal);
		})().catch(() => undefined);
		return () => {
			controller.abort();
		};
	}

	#unwatch(name: string): void {
		const watch = this.#watches.get(name);
		if (!watch) return;
		watch.controller.abort();
		clearTimeout(watch.relist);
		this.#watches.delete(name);
		this.#last.set(name, watch.table);
	}

	async #run(watch: Watch): Promise<void> {
		const {signal} = watch.controller;
		while (!signal.aborted) {
			try {
				watch.endpoint ??= await containerEndpoint(this.#engine, watch.table.machine, signal);
				const {client} = watch.endpoint;
				await containerEvents(
					client,
					{
						onOpen: () => {
							watch.backoffMs = this.#options.initialBackoffMs;
							this.#scheduleList(watch, 0);
						},
						onEvent: event => {
							if (event.Action.startsWith('exec_')) return;
							if (event.Action === 'destroy') this.#drop(watch, event.Actor.ID);
							this.#scheduleList(watch, this.#options.settleMs);
						},
					},
					signal,
				);
				if (!signal.aborted) this.#fail(watch, `the Docker daemon at ${client.url} closed its event stream`);
			} catch (error) {
				if (signal.aborted) return;
				this.#fail(watch, errorMessage(error));
			}

			await pause(watch.backoffMs, signal).catch(() => undefined);
			watch.backoffMs = Math.min(watch.backoffMs * 2, this.#options.maxBackoffMs);
		}
	}

	#fail(watch: Watch, error: string): void {
		// The address may have changed (a VM restarted): found again on the next try.
		watch.endpoint = undefined;
		watch.table = {...watch.table, state: 'Timeout', error};
		this.#emit();
	}

	#drop(watch: Watch, id: string): void {
		watch.table = {...watch.table, containers: watch.table.containers.filter(container => container.Id !== id)};
		this.#emit();
	}

	#scheduleList(watch: Watch, delayMs: number): void {
		if (watch.relist) return;
		watch.relist = setTimeout(() => {
			watch.relist = undefined;
			void this.#list(watch);
		}, delayMs);
	}

	async #list(watch: Watch): Promise<void> {
		const {endpoint} = watch;
		if (!endpoint || watch.controller.signal.aborted) return;
		try {
			const containers = await listContainers(endpoint.client, {signal: watch.controller.signal});
			containers.sort((a, b) => naturalCompare(a.Names[0] ?? a.Id, b.Names[0] ?? b.Id));
			watch.table = {machine: watch.table.machine, state: 'Running', containers, reach: endpoint.reach, updatedAt: Date.now()};
		} catch (error) {
			if (watch.controller.signal.aborted) return;
			watch.table = {...watch.table, state: 'Timeout', error: errorMessage(error)};
		}

		this.#emit();
	}

	/**
	 * Listeners hear once per burst (200 machines answering at start-up are one render), and at
	 * most every 100 ms while a burst lasts: one event on a daemon that 200 machines share is 200
	 * lists, each of which would otherwise rebuild and draw the fleet's rows.
	 */
	#emit(): void {
		if (this.#emitTimer) return;
		const wait = Math.max(16, this.#lastEmit + 100 - Date.now());
		this.#emitTimer = setTimeout(() => {
			this.#emitTimer = undefined;
			this.#lastEmit = Date.now();
			for (const listener of this.#listeners) listener();
		}, wait);
	}
}

/** A watcher, for the index to load this module (and the TLS client under it) on first use. */
export async function createContainerWatcher(engine: Engine, options: WatcherOptions = {}): Promise<ContainerWatcher> {
	return new ContainerWatcher(engine, options);
}
