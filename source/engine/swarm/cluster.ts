/**
 * Swarm mode across machines: init, join, leave, list. Every call goes to dockerd's Engine API
 * over the machine's mutual TLS. Join tokens are read from a manager right before a join and
 * passed in the request body only: never stored, logged or put on a command line.
 *
 * A cluster is named after the machine that initialised it; each member remembers that name,
 * its node ID and role in its notes, so `ls` and its filters need no manager to answer.
 */
import {dockerClientFor} from '../access/connection.js';
import {DockerApiError, type DockerClient, type DockerInfo} from '../docker/client.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {driverContext, loadMachine, type Machine} from '../machine.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import {naturalCompare} from '../natural-compare.js';
import {readNotes, writeNotes, type MachineNotes} from '../store/notes.js';
import {
	initSwarm,
	inspectNode,
	inspectSwarm,
	joinSwarm,
	leaveSwarm,
	listNodes,
	removeNode,
	runningTasks,
	setNodeRole,
	type SwarmNode,
	type SwarmRole,
} from './api.js';

export type Membership = NonNullable<MachineNotes['swarm']>;

type Options = {progress?: ProgressSink; signal?: AbortSignal};

/** Init and join wait for raft and certificates; dockerd itself gives up on a join after 20 s. */
const clusterCallTimeoutMs = 60_000;

async function connect(engine: Engine, machine: Machine, signal?: AbortSignal): Promise<DockerClient> {
	const context = driverContext(machine, {signal});
	const state = await machine.driver.getState(context);
	if (state !== 'Running') {
		throw new MachinistError(`Machine "${machine.name}" is not running (${state.toLowerCase()}): start it with "${engine.program} start ${machine.name}"`);
	}

	return dockerClientFor(engine, machine, await machine.driver.getURL(context), clusterCallTimeoutMs);
}

async function remember(machine: Machine, membership: Membership | undefined): Promise<void> {
	await writeNotes(machine.dir, {...(await readNotes(machine.dir)), swarm: membership});
}

const joined = (info: DockerInfo) => info.Swarm?.LocalNodeState === 'active' || info.Swarm?.LocalNodeState === 'pending';

/** Every machine's membership, by machine name (notes only: no machine is asked). */
export async function memberships(engine: Engine): Promise<Map<string, Membership>> {
	const names = await engine.store.names();
	const entries = await Promise.all(names.map(async name => [name, (await readNotes(engine.store.machineDir(name))).swarm] as const));
	return new Map(entries.flatMap(([name, swarm]) => (swarm ? [[name, swarm] as const] : [])));
}

export async function initCluster(engine: Engine, name: string, options: Options & {advertiseAddr?: string} = {}): Promise<Membership> {
	const progress = options.progress ?? ignoreProgress;
	const machine = await loadMachine(engine, name);
	const client = await connect(engine, machine, options.signal);
	const info = await client.info(options.signal);
	if (joined(info)) throw alreadyInSwarm(engine, name, (await readNotes(machine.dir)).swarm?.cluster);
	const advertiseAddr = options.advertiseAddr || (await machine.driver.getIP(driverContext(machine, options)));
	progress({type: 'step', message: `Initialising a swarm on "${name}", advertised at ${advertiseAddr}...`});
	let nodeId: string;
	try {
		nodeId = await initSwarm(client, advertiseAddr, options.signal);
	} catch (error) {
		throw new MachinistError(
			`Cannot init a swarm on "${name}": ${daemonWords(error)}${/advertise/i.test(daemonWords(error)) ? ' (pass --advertise-addr with one of its addresses)' : ''}`,
		);
	}

	const membership: Membership = {cluster: name, nodeId, role: 'manager'};
	await remember(machine, membership);
	progress({type: 'step', message: `"${name}" is the manager of swarm "${name}" (node ${nodeId})`});
	return membership;
}

function alreadyInSwarm(engine: Engine, name: string, cluster: string | undefined): MachinistError {
	const which = cluster ? `swarm "${cluster}"` : 'a swarm';
	return new MachinistError(`Machine "${name}" is already in ${which}: run "${engine.program} swarm leave ${name}" first`);
}

/** What dockerd said, without the client's "Error response from daemon at …" wrapper. */
function daemonWords(error: unknown): string {
	if (error instanceof DockerApiError) return error.daemonMessage;
	return errorMessage(error);
}

/**
 * The one line a user gets for a join dockerd refused, with the fix. Exported for the unit test
 * of clock skew, which cannot be staged here: all test hosts share this machine's clock.
 */
export function joinFailure(program: string, node: string, manager: string, remoteAddrs: readonly string[], error: unknown): MachinistError {
	const words = daemonWords(error);
	if (/certificate has expired or is not yet valid|not yet valid|x509: certificate has expired/i.test(words)) {
		return new MachinistError(
			`Cannot join "${node}" to the swarm of "${manager}": the clocks of the two machines are too far apart for the swarm's certificates (${words.split('\n')[0]}): set both clocks right (e.g. "${program} ssh ${node} sudo timedatectl set-ntp true") and join again`,
		);
	}

	if (/timeout was reached|deadline exceeded|connection refused|no route to host|i\/o timeout|connection error|Unavailable/i.test(words)) {
		return new MachinistError(
			`Cannot join "${node}" to the swarm of "${manager}": "${node}" could not reach the manager at ${remoteAddrs.join(', ')} (${words.split('\n')[0]}): open 2377/tcp on "${manager}" to "${node}", or init the swarm with --advertise-addr set to an address "${node}" can reach`,
		);
	}

	return new MachinistError(`Cannot join "${node}" to the swarm of "${manager}": ${words}`);
}

type ManagerView = {machine: Machine; client: DockerClient; info: DockerInfo; cluster: string};

async function managerView(engine: Engine, name: string, signal?: AbortSignal): Promise<ManagerView> {
	const machine = await loadMachine(engine, name);
	const client = await connect(engine, machine, signal);
	const info = await client.info(signal);
	const notes = await readNotes(machine.dir);
	if (info.Swarm?.LocalNodeState !== 'active') {
		throw new MachinistError(`Machine "${name}" is not in a swarm: run "${engine.program} swarm init ${name}" first`);
	}

	if (!info.Swarm.ControlAvailable) {
		throw new MachinistError(`Machine "${name}" is a worker, not a manager: name a manager of its swarm (see "${engine.program} swarm ls ${name}")`);
	}

	let cluster = notes.swarm?.cluster;
	if (!cluster) {
		// A swarm made without Machinist: this manager names it from now on.
		cluster = name;
		await remember(machine, {cluster, nodeId: info.Swarm.NodeID ?? '', role: 'manager'});
	}

	return {machine, client, info, cluster};
}

/** The manager's own address first, then the other managers it knows. */
function managerAddresses(info: DockerInfo): string[] {
	const own = info.Swarm?.NodeAddr ? `${info.Swarm.NodeAddr}:2377` : undefined;
	const others = (info.Swarm?.RemoteManagers ?? []).map(manager => manager.Addr);
	return [...new Set([...(own ? [own] : []), ...others])];
}

export async function joinCluster(
	engine: Engine,
	managerName: string,
	nodeNames: readonly string[],
	options: Options & {role?: SwarmRole; advertiseAddr?: string} = {},
): Promise<Membership[]> {
	const progress = options.progress ?? ignoreProgress;
	const role = options.role ?? 'worker';
	if (options.advertiseAddr && nodeNames.length > 1) {
		throw new MachinistError("--advertise-addr names one machine's address: join one machine at a time with it");
	}

	if (nodeNames.includes(managerName)) throw new MachinistError(`Machine "${managerName}" is the manager: name other machines to join to it`);
	const manager = await managerView(engine, managerName, options.signal);
	const remoteAddrs = managerAddresses(manager.info);
	const results: Membership[] = [];
	for (const name of nodeNames) {
		const machine = await loadMachine(engine, name);
		const client = await connect(engine, machine, options.signal);
		const info = await client.info(options.signal);
		if (joined(info)) {
			const members = await listNodes(manager.client, options.signal);
			if (members.some(node => node.ID === info.Swarm?.NodeID)) throw new MachinistError(`Machine "${name}" is already in swarm "${manager.cluster}"`);
			throw alreadyInSwarm(engine, name, (await readNotes(machine.dir)).swarm?.cluster ?? 'another swarm');
		}

		const advertiseAddr = options.advertiseAddr || (await machine.driver.getIP(driverContext(machine, options)));
		progress({type: 'step', message: `Joining "${name}" to swarm "${manager.cluster}" as a ${role}...`});
		// Read right before use, for this join only.
		const tokens = await inspectSwarm(manager.client, options.signal);
		try {
			await joinSwarm(
				client,
				{advertiseAddr, remoteAddrs, joinToken: role === 'manager' ? tokens.JoinTokens.Manager : tokens.JoinTokens.Worker},
				options.signal,
			);
		} catch (error) {
			// dockerd keeps trying in the background after its own timeout: stop it, so the machine
			// does not join later behind the user's back.
			await leaveSwarm(client, true).catch(() => undefined);
			throw joinFailure(engine.program, name, managerName, remoteAddrs, error);
		}

		const nodeId = (await client.info(options.signal)).Swarm?.NodeID ?? '';
		const membership: Membership = {cluster: manager.cluster, nodeId, role};
		await remember(machine, membership);
		progress({type: 'step', message: `"${name}" joined swarm "${manager.cluster}" as a ${role} (node ${nodeId})`});
		results.push(membership);
	}

	return results;
}

/** A reachable manager of `cluster` other than the machines in `exclude`, or undefined. */
async function anyManager(engine: Engine, cluster: string, exclude: readonly string[], signal?: AbortSignal): Promise<DockerClient | undefined> {
	const members = await memberships(engine);
	const candidates = [...members].filter(([name, member]) => member.cluster === cluster && member.role === 'manager' && !exclude.includes(name));
	for (const [name] of candidates.sort(([a], [b]) => naturalCompare(a, b))) {
		try {
			const client = await connect(engine, await loadMachine(engine, name), signal);
			if ((await client.info(signal)).Swarm?.ControlAvailable) return client;
		} catch {}
	}

	return undefined;
}

async function waitUntilWorker(client: DockerClient, signal?: AbortSignal): Promise<void> {
	const deadline = Date.now() + 30_000;
	while ((await client.info(signal)).Swarm?.ControlAvailable) {
		if (Date.now() > deadline) throw new MachinistError('the node was demoted but still acts as a manager after 30 s');
		await new Promise(resolve => {
			setTimeout(resolve, 250);
		});
	}
}

/**
 * Takes a machine out of its swarm: a manager is demoted first while others remain (so the
 * cluster keeps its quorum), and the node is then removed from the managers' list. The last
 * manager only leaves with `force`, which dissolves the swarm for the workers named in the
 * error. With `force`, a machine that cannot be reached is dropped from the list all the same.
 */
export async function leaveCluster(engine: Engine, name: string, options: Options & {force?: boolean} = {}): Promise<void> {
	const progress = options.progress ?? ignoreProgress;
	const machine = await loadMachine(engine, name);
	const membership = (await readNotes(machine.dir)).swarm;
	let client: DockerClient;
	let info: DockerInfo;
	try {
		client = await connect(engine, machine, options.signal);
		info = await client.info(options.signal);
	} catch (error) {
		if (!options.force || !membership) {
			throw new MachinistError(
				`Cannot reach "${name}" to leave its swarm: ${errorMessage(error)}${membership ? " (pass --force to drop it from the swarm's node list all the same)" : ''}`,
			);
		}

		progress({type: 'step', message: `"${name}" cannot be reached (${errorMessage(error)}): dropping it from swarm "${membership.cluster}"'s node list`});
		await dropFromList(engine, membership, [name], options.signal);
		await remember(machine, undefined);
		return;
	}

	if (!joined(info)) {
		if (!membership) throw new MachinistError(`Machine "${name}" is not in a swarm`);
		await dropFromList(engine, membership, [name], options.signal);
		await remember(machine, undefined);
		progress({type: 'step', message: `"${name}" had already left swarm "${membership.cluster}"`});
		return;
	}

	const cluster = membership?.cluster ?? 'its swarm';
	const nodeId = info.Swarm?.NodeID ?? membership?.nodeId ?? '';
	let force = false;
	if (info.Swarm?.ControlAvailable) {
		const nodes = await listNodes(client, options.signal);
		const self = nodes.find(node => node.ID === nodeId);
		const otherManagers = nodes.filter(node => node.Spec.Role === 'manager' && node.ID !== nodeId);
		if (otherManagers.length > 0 && self) {
			progress({type: 'step', message: `Demoting "${name}" so that swarm "${cluster}" keeps its managers' quorum...`});
			await setNodeRole(client, self, 'worker', options.signal);
			await waitUntilWorker(client, options.signal);
		} else {
			const others = nodes.filter(node => node.ID !== nodeId);
			if (others.length > 0 && !options.force) {
				const names = await nodeNames(engine, others);
				throw new MachinistError(
					`Machine "${name}" is the last manager of swarm "${cluster}": its workers ${names.join(', ')} would be left without a manager; join another manager first ("${engine.program} swarm join --manager ${name} --role manager NODE") or pass --force`,
				);
			}

			force = true;
		}
	}

	progress({type: 'step', message: `"${name}" is leaving swarm "${cluster}"...`});
	await leaveSwarm(client, force, options.signal).catch((error: unknown) => {
		throw new MachinistError(`Cannot leave the swarm on "${name}": ${daemonWords(error)}`);
	});
	if (membership && !force) await dropFromList(engine, {...membership, nodeId}, [name], options.signal);
	await remember(machine, undefined);
	progress({type: 'step', message: `"${name}" left swarm "${cluster}"`});
}

/** Removes a node that left (or is gone) from the managers' list, if a manager answers. */
async function dropFromList(engine: Engine, membership: Membership, exclude: readonly string[], signal?: AbortSignal): Promise<void> {
	const manager = await anyManager(engine, membership.cluster, exclude, signal);
	if (!manager || membership.nodeId === '') return;
	await removeNode(manager, membership.nodeId, signal).catch((error: unknown) => {
		if (error instanceof DockerApiError && error.statusCode === 404) return;
		throw error;
	});
}

async function nodeNames(engine: Engine, nodes: readonly SwarmNode[]): Promise<string[]> {
	const byId = new Map([...(await memberships(engine))].map(([name, member]) => [member.nodeId, name]));
	return nodes.map(node => byId.get(node.ID) ?? node.Description?.Hostname ?? node.ID).sort(naturalCompare);
}

/**
 * What `rm` must say before removing machines: for each that is the last manager of a swarm
 * with workers (as the machines' notes record it), the workers left behind.
 */
export async function removalWarnings(engine: Engine, names: readonly string[]): Promise<string[]> {
	const members = await memberships(engine);
	const warnings: string[] = [];
	for (const name of names) {
		const member = members.get(name);
		if (member?.role !== 'manager') continue;
		const rest = [...members].filter(([other, m]) => m.cluster === member.cluster && !names.includes(other));
		if (rest.some(([, m]) => m.role === 'manager') || rest.length === 0) continue;
		warnings.push(
			`"${name}" is the last manager of swarm "${member.cluster}": its workers ${rest
				.map(([other]) => other)
				.sort(naturalCompare)
				.join(', ')} will be left without a manager.`,
		);
	}

	return warnings;
}

/** Before `rm`: a member leaves its swarm (forced: the user has agreed to removing it). */
export async function leaveBeforeRemoval(engine: Engine, name: string, options: Options): Promise<void> {
	const machine = await loadMachine(engine, name);
	if (!(await readNotes(machine.dir)).swarm) return;
	await leaveCluster(engine, name, {...options, force: true});
}

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
			const client = await connect(engine, await loadMachine(engine, manager), options.signal);
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
