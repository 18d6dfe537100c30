/**
 * A service's logs: every task's lines, each with its task and node in front (`web.2@node1`).
 * The daemon sends the backlog task after task, not in time order, so the backlog is read whole
 * and sorted before anything is shown; the lines after it are followed from its last timestamp.
 */
import type {DockerClient} from '../docker/client.js';
import {readLogs, type FollowLogsOptions, type LogLine} from '../docker/logs.js';
import {inspectService, listNodes, listTasks, type SwarmService, type SwarmTask} from './api.js';
import {nodeHostnames, taskName} from './services.js';

/** What `details=1` puts before a service line's message, and the message itself. */
export type DetailedLine = {nodeId: string; taskId: string; message: string};

const nodeKey = 'com.docker.swarm.node.id';
const taskKey = 'com.docker.swarm.task.id';

/** Go's url.QueryUnescape, which the daemon's QueryEscape of each key and value undoes. */
function queryUnescape(text: string): string {
	try {
		return decodeURIComponent(text.replaceAll('+', ' '));
	} catch {
		return text;
	}
}

/**
 * Splits a line the daemon wrote as `TIMESTAMP k=v,k=v MESSAGE` (the timestamp already taken off
 * by the decoder): the attributes are query-escaped, sorted by key, then one space, then the
 * message as the task wrote it.
 */
export function splitDetails(text: string): DetailedLine {
	const space = text.indexOf(' ');
	const details = space === -1 ? text : text.slice(0, space);
	const message = space === -1 ? '' : text.slice(space + 1);
	const attributes = new Map(
		details
			.split(',')
			.filter(pair => pair.includes('='))
			.map(pair => {
				const at = pair.indexOf('=');
				return [queryUnescape(pair.slice(0, at)), queryUnescape(pair.slice(at + 1))] as const;
			}),
	);
	return {nodeId: attributes.get(nodeKey) ?? '', taskId: attributes.get(taskKey) ?? '', message};
}

/**
 * A timestamp as a key that sorts as time does, whatever its precision or offset:
 * milliseconds since the epoch of its whole seconds, then its fraction to nine digits.
 */
export function timeKey(time: string): string {
	const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
	if (!match) return '';
	const seconds = Date.parse(`${match[1]!}${match[3]!}`);
	return `${String(seconds).padStart(16, '0')}.${(match[2] ?? '').padEnd(9, '0').slice(0, 9)}`;
}

/** The lines in time order; lines of the same instant keep the order they came in. */
export function sortedByTime<T extends {time: string}>(lines: readonly T[]): T[] {
	const keyed = lines.map(line => ({line, key: timeKey(line.time)}));
	keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	return keyed.map(({line}) => line);
}

/** `since` as the daemon takes it: seconds and nanoseconds since the epoch. */
export function sinceParameter(time: string): string {
	const [milliseconds, fraction] = timeKey(time).split('.');
	return `${Math.floor(Number(milliseconds) / 1000)}.${fraction ?? '000000000'}`;
}

/**
 * Names tasks `web.2@node1`. A task started after the names were read (a scale, a restart) is
 * asked for once when its first line comes.
 */
class TaskNames {
	readonly #client: DockerClient;
	readonly #service: SwarmService;
	readonly #signal: AbortSignal;
	#tasks = new Map<string, SwarmTask>();
	#hostnames = new Map<string, string>();
	readonly #asked = new Set<string>();
	#loaded = false;

	constructor(client: DockerClient, service: SwarmService, signal: AbortSignal) {
		this.#client = client;
		this.#service = service;
		this.#signal = signal;
	}

	/** Reads the tasks and nodes again if a line names a task not seen before. */
	async learn(lines: readonly DetailedLine[]): Promise<void> {
		const unknown = lines.map(line => line.taskId).filter(id => id !== '' && !this.#tasks.has(id) && !this.#asked.has(id));
		if (this.#loaded && unknown.length === 0) return;
		this.#loaded = true;
		for (const id of unknown) this.#asked.add(id);
		// A name is only a label: lines still show, with the task's id, when the manager does not answer.
		try {
			const [tasks, nodes] = await Promise.all([
				listTasks(this.#client, {service: [this.#service.ID]}, this.#signal),
				listNodes(this.#client, this.#signal),
			]);
			this.#tasks = new Map(tasks.map(task => [task.ID, task]));
			this.#hostnames = nodeHostnames(nodes);
		} catch {}
	}

	source(line: DetailedLine): string {
		const task = this.#tasks.get(line.taskId);
		const name = task ? taskName(this.#service, task) : `${this.#service.Spec.Name}.${line.taskId.slice(0, 12)}`;
		return `${name}@${this.#hostnames.get(line.nodeId) ?? line.nodeId.slice(0, 12)}`;
	}
}

type Detailed = {line: LogLine; detail: DetailedLine};

function detailed(lines: readonly LogLine[]): Detailed[] {
	return lines.map(line => ({line, detail: splitDetails(line.text)}));
}

/**
 * The last `tail` lines of a service's tasks (default 500) in time order, then (with `follow`)
 * the new ones until `signal` aborts. Each line's `source` names its task and node.
 */
export async function followServiceLogs(client: DockerClient, idOrName: string, options: FollowLogsOptions): Promise<void> {
	const {signal} = options;
	const service = await inspectService(client, idOrName, signal);
	const multiplexed = !service.Spec.TaskTemplate.ContainerSpec?.TTY;
	const names = new TaskNames(client, service, signal);
	const path = (query: string) => `/services/${encodeURIComponent(service.ID)}/logs?stdout=1&stderr=1&timestamps=1&details=1&${query}`;
	const emit = (lines: readonly Detailed[]): void => {
		if (lines.length === 0 || signal.aborted) return;
		options.onLines(lines.map(({line, detail}) => ({...line, text: detail.message, source: names.source(detail)})));
	};

	const backlog: LogLine[] = [];
	const tail = options.tail ?? 500;
	// The daemon applies tail to each task: the merge keeps the newest `tail` of them all.
	await readLogs(client, path(`tail=${tail}&follow=0`), {multiplexed, signal, onLines: lines => backlog.push(...lines)});
	const shown = detailed(sortedByTime(backlog).slice(-tail));
	await names.learn(shown.map(({detail}) => detail));
	emit(shown);
	if (options.follow === false || signal.aborted) return;

	// `since` keeps lines of its own instant: those already shown are dropped by their whole text.
	const last = shown.at(-1)?.line.time ?? '';
	const lastKey = timeKey(last);
	const seen = new Set(shown.filter(({line}) => line.time === last).map(({line}) => `${line.stream} ${line.text}`));
	let chain = Promise.resolve();
	await readLogs(client, path(last === '' ? 'follow=1' : `follow=1&since=${sinceParameter(last)}`), {
		multiplexed,
		signal,
		onLines(lines) {
			const fresh = lines.filter(line => timeKey(line.time) > lastKey || (timeKey(line.time) === lastKey && !seen.has(`${line.stream} ${line.text}`)));
			const batch = detailed(sortedByTime(fresh));
			// Batches wait for names in the order they came, so none overtakes another.
			chain = chain.then(async () => {
				await names.learn(batch.map(({detail}) => detail));
				emit(batch);
			});
		},
	});
	await chain;
}
