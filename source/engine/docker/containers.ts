/**
 * Containers over the Engine API: the list `docker ps -a` shows, the actions on one, and its
 * resource use computed as `docker stats` does. Only the fields Machinist reads are declared.
 */
import {DockerApiError, type DockerClient} from './client.js';
import type {ContainerPort} from './labels.js';
import {openStream, readJsonLines} from './stream.js';

/**
 * One entry of `GET /containers/json`, cut to what Machinist reads. The daemon's entry also
 * carries labels, mounts, network settings and host config (1–2 kB each); the app holds every
 * container of every machine for as long as the fleet is open, so those are dropped as read.
 */
export type ContainerSummary = {
	Id: string;
	Names: string[];
	Image: string;
	/** Seconds since the epoch. */
	Created: number;
	/** created, running, paused, restarting, removing, exited, dead */
	State: string;
	/** `Up 5 minutes (healthy)`, `Exited (0) 3 seconds ago` */
	Status: string;
	Ports: ContainerPort[];
};

/** The parts of `GET /containers/ID/json` Machinist reads. */
export type ContainerInspect = {
	Id: string;
	Name: string;
	Config: {Tty: boolean; Image: string};
	State: {Status: string; Running: boolean};
};

export type ContainerAction = 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause' | 'remove';

export async function listContainers(client: DockerClient, options: {all?: boolean; signal?: AbortSignal} = {}): Promise<ContainerSummary[]> {
	const list = (await client.call('GET', `/containers/json?all=${options.all === false ? 0 : 1}`, {signal: options.signal})) as
		ContainerSummary[] | undefined;
	return (list ?? []).map(({Id, Names, Image, Created, State, Status, Ports}) => ({
		Id,
		Names,
		Image,
		Created,
		State,
		Status,
		// Docker's port entries hold only the four fields ContainerPort declares.
		Ports: Ports ?? [],
	}));
}

export async function inspectContainer(client: DockerClient, id: string, signal?: AbortSignal): Promise<ContainerInspect> {
	return (await client.call('GET', `/containers/${encodeURIComponent(id)}/json`, {signal})) as ContainerInspect;
}

/**
 * One action on a container. `force` removes a running one (`rm -f`). A container already in the
 * state asked for (the daemon's 304) is not an error: the user got what they wanted.
 */
export async function containerAction(
	client: DockerClient,
	id: string,
	action: ContainerAction,
	options: {force?: boolean; signal?: AbortSignal} = {},
): Promise<void> {
	const target = `/containers/${encodeURIComponent(id)}`;
	try {
		await (action === 'remove'
			? client.call('DELETE', `${target}?force=${options.force ? 1 : 0}`, {signal: options.signal})
			: client.call('POST', `${target}/${action}`, {signal: options.signal}));
	} catch (error) {
		if (error instanceof DockerApiError && error.statusCode === 304) return;
		throw error;
	}
}

/** The parts of a `GET /containers/ID/stats` sample the figures come from. */
export type StatsSample = {
	read?: string;
	cpu_stats?: {cpu_usage?: {total_usage?: number; percpu_usage?: number[] | null}; system_cpu_usage?: number; online_cpus?: number};
	precpu_stats?: {cpu_usage?: {total_usage?: number}; system_cpu_usage?: number};
	memory_stats?: {usage?: number; limit?: number; stats?: Record<string, number>};
};

export type ContainerStats = {cpuPercent: number; memoryBytes: number; memoryLimitBytes: number; memoryPercent: number};

/**
 * CPU and memory as `docker stats` computes them (Linux): the container's CPU time over the
 * host's since the previous sample, times the CPUs online; memory without the page cache the
 * kernel can drop (`total_inactive_file` on cgroup v1, `inactive_file` on v2).
 */
export function computeStats(sample: StatsSample): ContainerStats {
	const cpu = sample.cpu_stats;
	const previous = sample.precpu_stats;
	const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (previous?.cpu_usage?.total_usage ?? 0);
	const systemDelta = (cpu?.system_cpu_usage ?? 0) - (previous?.system_cpu_usage ?? 0);
	const cpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
	const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;

	const memory = sample.memory_stats;
	const usage = memory?.usage ?? 0;
	const stats = memory?.stats ?? {};
	const cache = stats.total_inactive_file ?? stats.inactive_file ?? 0;
	const memoryBytes = cache < usage ? usage - cache : usage;
	const memoryLimitBytes = memory?.limit ?? 0;
	return {cpuPercent, memoryBytes, memoryLimitBytes, memoryPercent: memoryLimitBytes > 0 ? (memoryBytes / memoryLimitBytes) * 100 : 0};
}

/** One sample: the daemon takes two a second apart to have a CPU delta, as `docker stats --no-stream`. */
export async function containerStats(client: DockerClient, id: string, signal?: AbortSignal): Promise<ContainerStats> {
	return computeStats((await client.call('GET', `/containers/${encodeURIComponent(id)}/stats?stream=0`, {signal})) as StatsSample);
}

/** The daemon's sample every second until `signal` aborts or the container stops. */
export async function streamStats(client: DockerClient, id: string, onStats: (stats: ContainerStats) => void, signal: AbortSignal): Promise<void> {
	const stream = await openStream(client, `/containers/${encodeURIComponent(id)}/stats?stream=1`, signal);
	try {
		await readJsonLines(stream, sample => {
			onStats(computeStats(sample as StatsSample));
		});
	} catch (error) {
		if (!signal.aborted) throw error;
	}
}

/** A container event from `GET /events`; `Action` is `start`, `die`, `health_status: healthy`, … */
export type ContainerEvent = {Type: string; Action: string; Actor: {ID: string; Attributes?: Record<string, string>}; time: number};

/**
 * The daemon's container events from now until `signal` aborts (resolves) or the daemon closes
 * the stream (resolves too: the caller reconnects). `onOpen` runs once the daemon has answered,
 * so a list taken then misses nothing.
 */
export async function containerEvents(
	client: DockerClient,
	handlers: {onOpen: () => void; onEvent: (event: ContainerEvent) => void},
	signal: AbortSignal,
): Promise<void> {
	const filters = encodeURIComponent(JSON.stringify({type: ['container']}));
	const stream = await openStream(client, `/events?filters=${filters}`, signal);
	handlers.onOpen();
	try {
		await readJsonLines(stream, value => {
			const event = value as Partial<ContainerEvent>;
			if (event.Type === 'container' && typeof event.Action === 'string' && event.Actor) handlers.onEvent(event as ContainerEvent);
		});
	} catch (error) {
		if (!signal.aborted) throw error;
	}
}
