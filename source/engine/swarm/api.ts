/**
 * The swarm-mode parts of the Docker Engine API, typed, over a machine's mutual-TLS client.
 * Only the fields Machinist reads are declared; daemons send more.
 */
import type {DockerClient} from '../docker/client.js';

export type SwarmRole = 'manager' | 'worker';

/** `GET /swarm` on a manager. The join tokens are secrets: read, used, never kept. */
export type SwarmInspect = {
	ID: string;
	Version: {Index: number};
	JoinTokens: {Worker: string; Manager: string};
};

export type SwarmNode = {
	ID: string;
	Version: {Index: number};
	Spec: {Role: SwarmRole; Availability: 'active' | 'pause' | 'drain'; Labels?: Record<string, string>; Name?: string};
	Description?: {Hostname?: string; Engine?: {EngineVersion?: string}};
	Status: {State: 'unknown' | 'down' | 'ready' | 'disconnected'; Addr?: string; Message?: string};
	ManagerStatus?: {Leader?: boolean; Reachability?: 'unknown' | 'unreachable' | 'reachable'; Addr?: string};
};

export type SwarmTask = {
	ID: string;
	ServiceID: string;
	NodeID?: string;
	/** A replicated service's task number: `web.2` is slot 2. Global tasks have none. */
	Slot?: number;
	DesiredState: string;
	Status: {State: string; Err?: string; Message?: string; Timestamp?: string};
	CreatedAt?: string;
};

export type SwarmPort = {Protocol?: string; TargetPort?: number; PublishedPort?: number; PublishMode?: string};

/** How many tasks a service wants: a number of replicas, or one per node. Jobs are the run-once kinds. */
export type ServiceMode = {Replicated?: {Replicas?: number}; Global?: Record<string, never>; ReplicatedJob?: unknown; GlobalJob?: unknown};

export type ServiceSpec = {
	Name: string;
	Mode: ServiceMode;
	TaskTemplate: {ContainerSpec?: {Image?: string; TTY?: boolean}};
	EndpointSpec?: {Ports?: SwarmPort[]};
};

export type SwarmService = {
	ID: string;
	Version: {Index: number};
	Spec: ServiceSpec;
	Endpoint?: {Ports?: SwarmPort[]};
	/** With `?status=true` on API 1.41 and later. */
	ServiceStatus?: {RunningTasks: number; DesiredTasks: number};
};

/** Where swarm mode listens on every node: the cluster management port on all addresses. */
export const swarmListenAddr = '0.0.0.0:2377';

export async function initSwarm(client: DockerClient, advertiseAddr: string, signal?: AbortSignal): Promise<string> {
	return (await client.call('POST', '/swarm/init', {body: {ListenAddr: swarmListenAddr, AdvertiseAddr: advertiseAddr}, signal})) as string;
}

export async function inspectSwarm(client: DockerClient, signal?: AbortSignal): Promise<SwarmInspect> {
	return (await client.call('GET', '/swarm', {signal})) as SwarmInspect;
}

export async function joinSwarm(
	client: DockerClient,
	request: {advertiseAddr: string; remoteAddrs: string[]; joinToken: string},
	signal?: AbortSignal,
): Promise<void> {
	await client.call('POST', '/swarm/join', {
		body: {ListenAddr: swarmListenAddr, AdvertiseAddr: request.advertiseAddr, RemoteAddrs: request.remoteAddrs, JoinToken: request.joinToken},
		signal,
	});
}

export async function leaveSwarm(client: DockerClient, force: boolean, signal?: AbortSignal): Promise<void> {
	await client.call('POST', `/swarm/leave?force=${force}`, {signal});
}

export async function listNodes(client: DockerClient, signal?: AbortSignal): Promise<SwarmNode[]> {
	return (await client.call('GET', '/nodes', {signal})) as SwarmNode[];
}

export async function inspectNode(client: DockerClient, id: string, signal?: AbortSignal): Promise<SwarmNode> {
	return (await client.call('GET', `/nodes/${encodeURIComponent(id)}`, {signal})) as SwarmNode;
}

export async function setNodeRole(client: DockerClient, node: SwarmNode, role: SwarmRole, signal?: AbortSignal): Promise<void> {
	await client.call('POST', `/nodes/${encodeURIComponent(node.ID)}/update?version=${node.Version.Index}`, {body: {...node.Spec, Role: role}, signal});
}

export async function removeNode(client: DockerClient, id: string, signal?: AbortSignal): Promise<void> {
	await client.call('DELETE', `/nodes/${encodeURIComponent(id)}?force=true`, {signal});
}

export async function listServices(client: DockerClient, signal?: AbortSignal): Promise<SwarmService[]> {
	return (await client.call('GET', '/services?status=true', {signal})) as SwarmService[];
}

export async function inspectService(client: DockerClient, idOrName: string, signal?: AbortSignal): Promise<SwarmService> {
	return (await client.call('GET', `/services/${encodeURIComponent(idOrName)}`, {signal})) as SwarmService;
}

/** Replaces a service's spec; `version` must be the one read, so a concurrent change is refused, not lost. */
export async function updateService(client: DockerClient, service: SwarmService, spec: ServiceSpec, signal?: AbortSignal): Promise<void> {
	await client.call('POST', `/services/${encodeURIComponent(service.ID)}/update?version=${service.Version.Index}`, {body: spec, signal});
}

/** Every task of the swarm, or those the filters pick (`{service: [id]}`). */
export async function listTasks(client: DockerClient, filters: Record<string, string[]> = {}, signal?: AbortSignal): Promise<SwarmTask[]> {
	return (await client.call('GET', `/tasks?filters=${encodeURIComponent(JSON.stringify(filters))}`, {signal})) as SwarmTask[];
}

export async function runningTasks(client: DockerClient, signal?: AbortSignal): Promise<SwarmTask[]> {
	return listTasks(client, {'desired-state': ['running']}, signal);
}
