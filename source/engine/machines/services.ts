// A swarm manager's services as a face acts on them: listed, scaled, their logs followed.
import type {DockerClient} from '../docker/client.js';
import type {FollowLogsOptions} from '../docker/logs.js';
import type {Engine} from '../engine.js';
import {followServiceLogs as followLogsOf} from '../swarm/service-logs.js';
import {readServices, requireManager, scaleService as scale, type ServiceRow} from '../swarm/services.js';
import {containerEndpoint} from './containers.js';

/** The daemon of `machine`, once it said it manages a swarm: each call says so in one line otherwise. */
async function managerClient(engine: Engine, machine: string, signal?: AbortSignal): Promise<DockerClient> {
	const {client} = await containerEndpoint(engine, machine, signal);
	await requireManager(client, machine, engine.program, signal);
	return client;
}

/** The services of the swarm `machine` manages, with their tasks. */
export async function listServices(engine: Engine, machine: string, options: {signal?: AbortSignal} = {}): Promise<ServiceRow[]> {
	return readServices(await managerClient(engine, machine, options.signal), options.signal);
}

export async function scaleService(engine: Engine, machine: string, service: string, replicas: number, options: {signal?: AbortSignal} = {}): Promise<void> {
	await scale(await managerClient(engine, machine, options.signal), service, replicas, options.signal);
}

export async function followServiceLogs(engine: Engine, machine: string, service: string, options: FollowLogsOptions): Promise<void> {
	await followLogsOf(await managerClient(engine, machine, options.signal), service, options);
}
