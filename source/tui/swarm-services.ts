import {listServices, QueryPoller, type Engine, type ServiceRow} from '../engine/index.js';

/** Asked again this long after each answer while the services screen is open: tasks move under a scale or a deploy. */
const refreshMs = 3000;

/**
 * The services of the swarm the services screen shows, asked again at a beat. One poller per
 * manager: the screen's view starts and stops it (hooks/usePolled.ts), and the reducer reads
 * its latest rows to know which service a key acts on.
 */
export class ServiceFeed {
	readonly #engine: Engine;
	#machine: string | undefined;
	#poller: QueryPoller<ServiceRow[]> | undefined;

	constructor(engine: Engine) {
		this.#engine = engine;
	}

	poller(machine: string): QueryPoller<ServiceRow[]> {
		if (this.#poller && this.#machine === machine) return this.#poller;
		this.#poller?.stop();
		this.#machine = machine;
		this.#poller = new QueryPoller(async signal => listServices(this.#engine, machine, {signal}), {intervalMs: refreshMs});
		return this.#poller;
	}

	/** The latest rows of `machine`'s swarm, or none while it was not asked yet. */
	rows(machine: string): readonly ServiceRow[] {
		return this.#machine === machine ? (this.#poller?.snapshot().value ?? []) : [];
	}
}
