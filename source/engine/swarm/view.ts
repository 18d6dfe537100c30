/** What a swarm looks like: its nodes as a manager sees them, and the SWARM column of `ls`. */
import type {DockerClient, DockerInfo} from '../docker/client.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {loadMachine} from '../machine.js';
import {naturalCompare} from '../natural-compare.js';
import {inspectNode, listNodes, runningTasks, type SwarmNode, type SwarmRole} from './api.js';
import {connectMember, memberships, type Membership, type Options} from './members.js';

export type ClusterNode = {
	/** The machine that is this node; empty for a node Machinist did not join. */
	machine: string;
	id: string;
	hostname: string;
	role: SwarmRole;
	leader: boolean;
	/** `Leader`, `Reachable`, `Unreachable` for managers; empty for workers. */
	managerStatus: string;
	availability: string;
	state: string;
	engineVersion: string;
	address: string;
	/** Tasks the swarm wants running on this node. */
	tasks: number;
};

export type ClusterView = {cluster: string; manager: string; nodes: ClusterNode[]};

/**
 * The nodes of the swarm `name` belongs to, as one of its managers sees them. Without a name,
 * the one swarm the machines are in.
 */
export async function listCluster(engine: Engine, name: string | undefined, options: Options = {}): Promise<ClusterView> {
	const members = await memberships(engine);
	let cluster: string;
	if (name === undefined) {
		const clusters = [...new Set([...members.values()].map(member => member.cluster))].sort(naturalCompare);
		if (clusters.length === 0) throw new MachinistError(`No machine is in a swarm: run "${engine.program} swarm init NAME" to make one`);
		if (clusters.length > 1)
			throw new MachinistError(
				`The machines are in ${clusters.length} swarms (${clusters.join(', ')}): name one, e.g. "${engine.program} swarm ls ${clusters[0]!}"`,
			);
		cluster = clusters[0]!;
	} else {
		await loadMachine(engine, name);
		const member = members.get(name);
		if (!member)
			throw new MachinistError(
				`Machine "${name}" is not in a swarm: run "${engine.program} swarm init ${name}" or "${engine.program} swarm join --manager MANAGER ${name}"`,
			);
		cluster = member.cluster;
	}

	const preferred = name !== undefined && members.get(name)?.role === 'manager' ? [name] : [];
	const managers = [
		...preferred,
		...[...members]
			.filter(([other, member]) => member.cluster === cluster && member.role === 'manager' && other !== name)
			.map(([other]) => other)
			.sort(naturalCompare),
	];
	const failures: string[] = [];
	for (const manager of managers) {
		try {
			const client = await connectMember(engine, await loadMachine(engine, manager), options.signal);
			const [nodes, tasks] = await Promise.all([listNodes(client, options.signal), runningTasks(client, options.signal)]);
			const byId = new Map([...members].map(([machine, member]) => [member.nodeId, machine]));
			return {
				cluster,
				manager,
				nodes: nodes
					.map(node => clusterNode(node, byId.get(node.ID) ?? '', tasks.filter(task => task.NodeID === node.ID).length))
					.sort((a, b) => naturalCompare(a.machine || a.hostname, b.machine || b.hostname)),
			};
		} catch (error) {
			failures.push(`${manager}: ${errorMessage(error)}`);
		}
	}

	throw new MachinistError(
		`No manager of swarm "${cluster}" answered (${failures.join('; ') || 'none is known'}): start one, or list from a manager with "${engine.program} swarm ls MANAGER"`,
	);
}

function clusterNode(node: SwarmNode, machine: string, tasks: number): ClusterNode {
	const reachability = node.ManagerStatus?.Reachability ?? '';
	const leader = node.ManagerStatus?.Leader === true;
	return {
		machine,
		id: node.ID,
		hostname: node.Description?.Hostname ?? '',
		role: node.Spec.Role,
		leader,
		managerStatus: leader ? 'Leader' : reachability === '' ? '' : reachability[0]!.toUpperCase() + reachability.slice(1),
		availability: capitalise(node.Spec.Availability),
		state: capitalise(node.Status.State),
		engineVersion: node.Description?.Engine?.EngineVersion ?? '',
		address: node.Status.Addr ?? '',
		tasks,
	};
}

function capitalise(word: string): string {
	return word === '' ? '' : word[0]!.toUpperCase() + word.slice(1);
}

/**
 * The SWARM column of `ls` for a swarm-mode member: `mgr1 (leader)`, `mgr1 (manager)`,
 * `mgr1 (worker)`, from the machine's own /info (and, on a manager, its own node entry).
 */
export async function swarmLabel(client: DockerClient, info: DockerInfo, membership: Membership, signal?: AbortSignal): Promise<string> {
	const state = info.Swarm?.LocalNodeState ?? 'inactive';
	if (state === 'inactive') return '';
	if (state !== 'active') return `${membership.cluster} (${state})`;
	if (!info.Swarm?.ControlAvailable) return `${membership.cluster} (worker)`;
	const self = await inspectNode(client, info.Swarm.NodeID ?? membership.nodeId, signal).catch(() => undefined);
	return `${membership.cluster} (${self?.ManagerStatus?.Leader ? 'leader' : 'manager'})`;
}

/** For a machine that cannot be asked: what its notes say. */
export function storedSwarmLabel(membership: Membership): string {
	return `${membership.cluster} (${membership.role})`;
}
