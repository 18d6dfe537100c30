// A swarm manager's services as a face acts on them: listed, scaled, their logs followed.
import type {FollowLogsOptions} from '../docker/logs.js';
import type {Engine} from '../engine.js';
import {followServiceLogs as followLogsOf} from '../swarm/service-logs.js';
import {readServices, requireManager, scaleService as scale, type ServiceRow} from '../swarm/services.js';
import {containerEndpoint} from './containers.js';

/** The services of the swarm `machine` manages, with their tasks. */
export async function listServices(engine: Engine, machine: string, options: {signal?: AbortSignal} = {}): Promise<ServiceRow[]> {
	const {client} = await containerEndpoint(engine, machine, options.signal);
	return readServices(client, machine, options.signal);
}

export async function scaleService(engine: Engine, machine: string, service: string, replicas: number, options: {signal?: AbortSignal} = {}): Promise<void> {
	const {client} = await containerEndpoint(engine, machine, options.signal);
	await scale(client, machine, service, replicas, options.signal);
}

export async function followServiceLogs(engine: Engine, machine: string, service: string, options: FollowLogsOptions): Promise<void> {
	const {client} = await containerEndpoint(engine, machine, options.signal);
	await requireManager(client, machine, options.signal);
	await followLogsOf(client, service, options);
}
