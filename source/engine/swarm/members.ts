/**
 * What every swarm operation stands on: each machine's membership as its notes record it, and a
 * member's dockerd reached over the machine's mutual TLS.
 */
import {dockerClientFor} from '../access/connection.js';
import {DockerApiError, type DockerClient, type DockerInfo} from '../docker/client.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {driverContext, type Machine} from '../machine.js';
import type {ProgressSink} from '../progress.js';
import {readNotes, writeNotes, type MachineNotes} from '../store/notes.js';

export type Membership = NonNullable<MachineNotes['swarm']>;

export type Options = {progress?: ProgressSink; signal?: AbortSignal};

/** Init and join wait for raft and certificates; dockerd itself gives up on a join after 20 s. */
const clusterCallTimeoutMs = 60_000;

export async function connectMember(engine: Engine, machine: Machine, signal?: AbortSignal): Promise<DockerClient> {
	const context = driverContext(machine, {signal});
	const state = await machine.driver.getState(context);
	if (state !== 'Running') {
		throw new MachinistError(`Machine "${machine.name}" is not running (${state.toLowerCase()}): start it with "${engine.program} start ${machine.name}"`);
	}

	return dockerClientFor(engine, machine, await machine.driver.getURL(context), clusterCallTimeoutMs);
}

export async function remember(machine: Machine, membership: Membership | undefined): Promise<void> {
	await writeNotes(machine.dir, {...(await readNotes(machine.dir)), swarm: membership});
}

export const joined = (info: DockerInfo) => info.Swarm?.LocalNodeState === 'active' || info.Swarm?.LocalNodeState === 'pending';

/** Every machine's membership, by machine name (notes only: no machine is asked). */
export async function memberships(engine: Engine): Promise<Map<string, Membership>> {
	const names = await engine.store.names();
	const entries = await Promise.all(names.map(async name => [name, (await readNotes(engine.store.machineDir(name))).swarm] as const));
	return new Map(entries.flatMap(([name, swarm]) => (swarm ? [[name, swarm] as const] : [])));
}

export function alreadyInSwarm(engine: Engine, name: string, cluster: string | undefined): MachinistError {
	const which = cluster ? `swarm "${cluster}"` : 'a swarm';
	return new MachinistError(`Machine "${name}" is already in ${which}: run "${engine.program} swarm leave ${name}" first`);
}

/** What dockerd said, without the client's "Error response from daemon at …" wrapper. */
export function daemonWords(error: unknown): string {
	if (error instanceof DockerApiError) return error.daemonMessage;
	return errorMessage(error);
}
