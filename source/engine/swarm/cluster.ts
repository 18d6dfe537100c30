/**
 * Swarm mode across machines: init, join, leave (the listing is in view.ts). Every call goes to
 * dockerd's Engine API over the machine's mutual TLS. Join tokens are read from a manager right
 * before a join and passed in the request body only: never stored, logged or put on a command line.
 *
 * A cluster is named after the machine that initialised it; each member remembers that name,
 * its node ID and role in its notes, so `ls` and its filters need no manager to answer.
 */
import {DockerApiError, type DockerClient, type DockerInfo} from '../docker/client.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {driverContext, loadMachine, type Machine} from '../machine.js';
import {ignoreProgress} from '../progress.js';
import {naturalCompare} from '../natural-compare.js';
import {readNotes} from '../store/notes.js';
import {initSwarm, inspectSwarm, joinSwarm, leaveSwarm, listNodes, removeNode, setNodeRole, type SwarmNode, type SwarmRole} from './api.js';
import {alreadyInSwarm, connectMember, daemonWords, joined, memberships, remember, type Membership, type Options} from './members.js';

export async function initCluster(engine: Engine, name: string, options: Options & {advertiseAddr?: string} = {}): Promise<Membership> {
	const progress = options.progress ?? ignoreProgress;
	const machine = await loadMachine(engine, name);
	const client = await connectMember(engine, machine, options.signal);
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
	const client = await connectMember(engine, machine, signal);
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
		const client = await connectMember(engine, machine, options.signal);
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
			const client = await connectMember(engine, await loadMachine(engine, name), signal);
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
		client = await connectMember(engine, machine, options.signal);
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
