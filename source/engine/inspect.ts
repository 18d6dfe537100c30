import type {Engine} from './engine.js';
import {errorMessage} from './errors.js';
import type {Machine} from './machine.js';
import {stateLabel} from './state.js';
import {queryMachine} from './status.js';
import type {HostRecord} from './store/host.js';
import {readNotes} from './store/notes.js';

/**
 * The record plus what only the machine can tell: docker-machine's inspect showed persisted
 * data alone (#1582), so scripts had to call status and url as well.
 */
export async function inspectMachine(engine: Engine, machine: Machine): Promise<HostRecord & {State: string; URL: string; DockerVersion: string; Error: string; SwarmMode: SwarmModeSummary | null}> {
	const {swarm} = await readNotes(machine.dir);
	// Swarm mode's membership: the cluster, node ID and role the last swarm command recorded.
	const SwarmMode = swarm ? {Cluster: swarm.cluster, NodeID: swarm.nodeId, Role: swarm.role} : null;
	try {
		const status = await queryMachine(engine, machine.host, '');
		return {...machine.host, State: stateLabel(status.state), URL: status.url, DockerVersion: status.dockerVersion, Error: status.error, SwarmMode};
	} catch (error) {
		return {...machine.host, State: 'Error', URL: '', DockerVersion: '', Error: errorMessage(error), SwarmMode};
	}
}

type SwarmModeSummary = {Cluster: string; NodeID: string; Role: string};
