import {
	createContainerWatcher,
	followLogs,
	followServiceLogs,
	errorMessage,
	type ContainerStats,
	type ContainerTable,
	type ContainerWatcher,
	type Engine,
	type LogLine,
	type FollowLogsOptions,
} from '../engine/index.js';

/**
 * The app's side of the container watcher: loaded on first use (the machine list never pays for
 * the TLS client), read synchronously by the reducer and the views.
 */
export class ContainerFeed {
	readonly #engine: Engine;
	#watcher: ContainerWatcher | undefined;
	#loading: Promise<ContainerWatcher> | undefined;
	readonly #listeners = new Set<() => void>();
	#tables: readonly ContainerTable[] = [];
	#wanted: readonly string[] = [];
	#stopped = false;

	constructor(engine: Engine) {
		this.#engine = engine;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	tables(): readonly ContainerTable[] {
		return this.#tables;
	}

	/** Watches exactly these machines (the running ones the screen shows). */
	watch(machines: readonly string[]): void {
		this.#wanted = machines;
		void this.#load().then(watcher => {
			watcher.watch(this.#wanted);
		});
	}

	/** No containers screen is shown: the daemons' event streams close until one is again. */
	pause(): void {
		this.#wanted = [];
		this.#watcher?.watch([]);
	}

	refresh(machine: string): void {
		this.#watcher?.refresh(machine);
	}

	followStats(machine: string, id: string, onStats: (stats: ContainerStats) => void): () => void {
		let stop: (() => void) | undefined;
		let cancelled = false;
		void this.#load().then(watcher => {
			if (!cancelled) stop = watcher.followStats(machine, id, onStats);
		});
		return () => {
			cancelled = true;
			stop?.();
		};
	}

	stop(): void {
		this.#stopped = true;
		this.#watcher?.stop();
	}

	async #load(): Promise<ContainerWatcher> {
		this.#loading ??= createContainerWatcher(this.#engine).then(watcher => {
			this.#watcher = watcher;
			if (this.#stopped) watcher.stop();
			watcher.subscribe(() => {
				this.#tables = watcher.tables();
				for (const listener of this.#listeners) listener();
			});
			return watcher;
		});
		return this.#loading;
	}
}

/** How many lines the logs screen keeps: the newest, once a container or service has written more. */
const maxLines = 50_000;

/**
 * The logs on the logs screen (a container's, or a swarm service's): the last lines, then the new ones as they come.
 * The buffer is appended in place (a copy per batch would cost 50,000 lines a line); `version`
 * tells the view it changed.
 */
export class LogFeed {
	readonly #engine: Engine;
	readonly #listeners = new Set<() => void>();
	#lines: LogLine[] = [];
	#version = 0;
	#controller: AbortController | undefined;
	#ended: string | undefined;
	#notify: NodeJS.Timeout | undefined;
	/** Lines came while the last notice was too recent: told when its wait ends. */
	#pending = false;

	constructor(engine: Engine) {
		this.#engine = engine;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	lines(): readonly LogLine[] {
		return this.#lines;
	}

	version(): number {
		return this.#version;
	}

	/** Why the stream ended (the container stopped, the daemon went away), once it has. */
	ended(): string | undefined {
		return this.#ended;
	}

	open(machine: string, id: string): void {
		this.#follow(async options => followLogs(this.#engine, machine, id, options), 'the log stream ended (the container stopped)');
	}

	/** A swarm service's logs, read through the manager `machine`: every task's lines, in time order. */
	openService(machine: string, service: string): void {
		this.#follow(
			async options => followServiceLogs(this.#engine, machine, service, options),
			'the log stream ended (the service was removed, or its manager left the swarm)',
		);
	}

	#follow(follow: (options: FollowLogsOptions) => Promise<void>, endedReason: string): void {
		this.close();
		const controller = new AbortController();
		this.#controller = controller;
		this.#lines = [];
		this.#ended = undefined;
		this.#changed();
		follow({
			tail: 500,
			signal: controller.signal,
			onLines: lines => {
				if (controller.signal.aborted) return;
				for (const line of lines) this.#lines.push(line);
				if (this.#lines.length > maxLines) this.#lines.splice(0, this.#lines.length - maxLines);
				this.#changed();
			},
		}).then(
			() => {
				if (!controller.signal.aborted) this.#end(endedReason);
			},
			(error: unknown) => {
				if (!controller.signal.aborted) this.#end(errorMessage(error));
			},
		);
	}

	close(): void {
		this.#controller?.abort();
		this.#controller = undefined;
	}

	#end(reason: string): void {
		this.#ended = reason;
		this.#changed();
	}

	/**
	 * A busy container writes thousands of lines a second: the screen hears of them at most 30
	 * times. The first batch after a quiet spell (the tail on opening) is told at once.
	 */
	#changed(): void {
		this.#version++;
		if (this.#notify) {
			this.#pending = true;
			return;
		}

		this.#tell();
	}

	/** Tells the listeners now, and holds the next notice back for 33 ms. */
	#tell(): void {
		this.#pending = false;
		for (const listener of this.#listeners) listener();
		this.#notify = setTimeout(() => {
			this.#notify = undefined;
			if (this.#pending) this.#tell();
		}, 33);
	}
}
