/**
 * A swarm's services as a manager reports them, in the words of `docker service ls` and
 * `docker service ps`, and scaling one.
 */
import type {DockerClient} from '../docker/client.js';
import {MachinistError} from '../errors.js';
import {naturalCompare} from '../natural-compare.js';
import {inspectService, listNodes, listServices, listTasks, updateService, type SwarmNode, type SwarmPort, type SwarmService, type SwarmTask} from './api.js';

export type ServiceTask = {
	id: string;
	/** `web.2` for a replicated service's slot 2; `web.NODEID` for a global service's task. */
	name: string;
	nodeId: string;
	/** The node's hostname, as `docker service ps` shows it. */
	node: string;
	desiredState: string;
	state: string;
	/** Why the task failed, if it did. */
	error: string;
};

export type ServiceRow = {
	id: string;
	name: string;
	/** `replicated`, `global`, `replicated job` or `global job`. */
	mode: string;
	running: number;
	desired: number;
	image: string;
	/** `*:8080->80/tcp`, as `docker service ls` shows them. */
	ports: string;
	/** Newest first within a slot, as `docker service ps` lists them. */
	tasks: ServiceTask[];
};

/** Why a daemon refused a service call, in one line: a worker (or a lone daemon) has no services to show. */
export async function requireManager(client: DockerClient, machine: string, program: string, signal?: AbortSignal): Promise<void> {
	const swarm = (await client.info(signal)).Swarm;
	if (swarm?.ControlAvailable) return;
	const state = swarm?.LocalNodeState ?? 'inactive';
	const why =
		state === 'active'
			? 'it is a worker; ask a manager of its swarm'
			: `its daemon is not in a swarm (${state}): run "${program} swarm init ${machine}" to make one`;
	throw new MachinistError(`${machine} is not a swarm manager: ${why}`);
}

export function serviceMode(mode: SwarmService['Spec']['Mode']): string {
	if (mode.Global) return 'global';
	if (mode.ReplicatedJob) return 'replicated job';
	if (mode.GlobalJob) return 'global job';
	return 'replicated';
}

/** The image without the digest `docker service create` pins, as `docker service ls` shows it. */
function shortImage(image: string): string {
	return image.replace(/@sha256:[\da-f]+$/, '');
}

function portsLabel(ports: readonly SwarmPort[]): string {
	return ports
		.map(port => {
			const target = `${port.TargetPort ?? ''}/${port.Protocol ?? 'tcp'}`;
			return port.PublishedPort ? `*:${port.PublishedPort}->${target}` : target;
		})
		.join(', ');
}

export function taskName(service: Pick<SwarmService, 'Spec'>, task: Pick<SwarmTask, 'Slot' | 'NodeID'>): string {
	return task.Slot ? `${service.Spec.Name}.${task.Slot}` : `${service.Spec.Name}.${task.NodeID ?? ''}`;
}

export function nodeHostnames(nodes: readonly SwarmNode[]): Map<string, string> {
	return new Map(nodes.map(node => [node.ID, node.Description?.Hostname ?? node.ID.slice(0, 12)]));
}

function serviceTask(service: SwarmService, task: SwarmTask, hostnames: ReadonlyMap<string, string>): ServiceTask {
	const nodeId = task.NodeID ?? '';
	return {
		id: task.ID,
		name: taskName(service, task),
		nodeId,
		node: hostnames.get(nodeId) ?? nodeId.slice(0, 12),
		desiredState: task.DesiredState,
		state: task.Status.State,
		error: task.Status.Err ?? '',
	};
}

/** The rows of `docker service ls`, each with its tasks as `docker service ps` lists them. */
export function serviceRows(services: readonly SwarmService[], tasks: readonly SwarmTask[], nodes: readonly SwarmNode[]): ServiceRow[] {
	const hostnames = nodeHostnames(nodes);
	return services
		.map(service => {
			const own = tasks
				.filter(task => task.ServiceID === service.ID)
				.sort(
					(a, b) =>
						(a.Slot ?? 0) - (b.Slot ?? 0) || naturalCompare(a.NodeID ?? '', b.NodeID ?? '') || (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''),
				);
			const status = service.ServiceStatus;
			return {
				id: service.ID,
				name: service.Spec.Name,
				mode: serviceMode(service.Spec.Mode),
				// Daemons before API 1.41 send no ServiceStatus: count the tasks instead.
				running: status?.RunningTasks ?? own.filter(task => task.Status.State === 'running').length,
				desired: status?.DesiredTasks ?? service.Spec.Mode.Replicated?.Replicas ?? own.filter(task => task.DesiredState === 'running').length,
				image: shortImage(service.Spec.TaskTemplate.ContainerSpec?.Image ?? ''),
				ports: portsLabel(service.Endpoint?.Ports ?? service.Spec.EndpointSpec?.Ports ?? []),
				tasks: own.map(task => serviceTask(service, task, hostnames)),
			};
		})
		.sort((a, b) => naturalCompare(a.name, b.name));
}

/** What a manager says of its swarm's services now (a worker answers with an error: requireManager says why). */
export async function readServices(client: DockerClient, signal?: AbortSignal): Promise<ServiceRow[]> {
	const [services, tasks, nodes] = await Promise.all([listServices(client, signal), listTasks(client, {}, signal), listNodes(client, signal)]);
	return serviceRows(services, tasks, nodes);
}

/** A replica count as typed: a whole number, 0 or more. */
export function parseReplicas(text: string): number {
	const trimmed = text.trim();
	if (!/^\d+$/.test(trimmed)) throw new MachinistError(`"${text}" is not a number of replicas: type a whole number, 0 or more`);
	const replicas = Number(trimmed);
	if (!Number.isSafeInteger(replicas)) throw new MachinistError(`${trimmed} replicas is more than a swarm can run: type a smaller number`);
	return replicas;
}

/** Why a service cannot be scaled, in one line, or undefined when it can: only replicas have a count. */
export function whyNotScalable(service: Pick<ServiceRow, 'name' | 'mode'>): string | undefined {
	return service.mode === 'replicated' ? undefined : `${service.name} is a ${service.mode} service: only a replicated service can be scaled`;
}

/** `docker service scale NAME=N`: the spec as read, with only its replica count changed. */
export async function scaleService(client: DockerClient, name: string, replicas: number, signal?: AbortSignal): Promise<void> {
	const service = await inspectService(client, name, signal);
	const {Mode} = service.Spec;
	const refusal = whyNotScalable({name: service.Spec.Name, mode: serviceMode(Mode)});
	if (refusal !== undefined) throw new MachinistError(refusal);
	await updateService(client, service, {...service.Spec, Mode: {...Mode, Replicated: {...Mode.Replicated, Replicas: replicas}}}, signal);
}
