// A swarm manager's services as a face acts on them: listed, scaled, their logs followed.
import type {DockerClient} from '../docker/client.js';
import type {FollowLogsOptions} from '../docker/logs.js';
import type {Engine} from '../engine.js';
import {followServiceLogs as followLogsOf} from '../swarm/service-logs.js';
import {readServices, requireManager, scaleService as scale, type ServiceRow} from '../swarm/services.js';
import {containerEndpoint} from './containers.js';

/**
 * `work` on the daemon of `machine`. A daemon that is not a swarm manager refuses service calls:
 * only then is it asked (`/info`, which costs the daemon more than the call) why, so the error
 * says in one line what it is and the fix. The services screen asks every few seconds.
 */
async function onManager<T>(engine: Engine, machine: string, signal: AbortSignal | undefined, work: (client: DockerClient) => Promise<T>): Promise<T> {
	const {client} = await containerEndpoint(engine, machine, signal);
	try {
		return await work(client);
	} catch (error) {
		if (!signal?.aborted) await requireManager(client, machine, engine.program, signal);
		throw error;
	}
}

/** The services of the swarm `machine` manages, with their tasks. */
export async function listServices(engine: Engine, machine: string, options: {signal?: AbortSignal} = {}): Promise<ServiceRow[]> {
	return onManager(engine, machine, options.signal, async client => readServices(client, options.signal));
}

export async function scaleService(engine: Engine, machine: string, service: string, replicas: number, options: {signal?: AbortSignal} = {}): Promise<void> {
	await onManager(engine, machine, options.signal, async client => scale(client, service, replicas, options.signal));
}

export async function followServiceLogs(engine: Engine, machine: string, service: string, options: FollowLogsOptions): Promise<void> {
	await onManager(engine, machine, options.signal, async client => followLogsOf(client, service, options));
}
