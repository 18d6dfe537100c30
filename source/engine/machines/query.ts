// Asking machines their state, URL and Docker version, bounded and timed: ls, active, inspect, the app's list.
import type {DockerInfo} from '../docker/client.js';
import type {Engine} from '../engine.js';
import {MachinistError, abortError, errorMessage} from '../errors.js';
import type {HostRecord, SwarmOptions} from '../store/host.js';
import {readNotes} from '../store/notes.js';
import type {StoreEntry} from '../store/store.js';
import {naturalCompare} from '../natural-compare.js';
import type {MachineState} from '../state.js';
import {driverContext, machineFromHost, type Machine} from '../machine.js';

/** What `ls`, `active` and the TUI know about one machine after asking it. */
export type MachineStatus = {
	name: string;
	driverName: string;
	state: MachineState;
	url: string;
	/** The daemon's version, e.g. `20.10.24+dfsg1`; empty when it could not be asked. */
	dockerVersion: string;
	error: string;
	responseTimeMs: number;
	activeHost: boolean;
	activeSwarm: boolean;
	/** The swarm this machine belongs to, as `ls` prints it: `master` or `master (master)`. */
	swarm: string;
	/** The daemon's /info, when the query asked for it (the TUI's details and container count). */
	info?: DockerInfo;
	/** Why the row has no live data: the query timed out, or the record could not be loaded. */
	problem?: 'timeout' | 'load-error';
	host?: HostRecord;
};

export const defaultQueryTimeoutMs = 10_000;
/** Enough parallel queries to hide latency, few enough not to stampede a laptop or an API. */
export const defaultQueryConcurrency = 16;

/** `status`: what the machine's driver says its state is; throws when the driver cannot tell. */
export async function machineState(machine: Machine, signal?: AbortSignal): Promise<MachineState> {
	return machine.driver.getState(driverContext(machine, {signal}));
}

/** `ip`: the machine's address, as its driver knows it. */
export async function machineIp(machine: Machine, signal?: AbortSignal): Promise<string> {
	return machine.driver.getIP(driverContext(machine, {signal}));
}

export function swarmMasterName(host: HostRecord, hosts: readonly HostRecord[]): string {
	const swarm = host.HostOptions.SwarmOptions;
	if (!swarm?.IsSwarm) return '';
	if (swarm.Master) return `${host.Name} (master)`;
	const master = hosts.find(other => other.HostOptions.SwarmOptions?.Master && other.HostOptions.SwarmOptions.Discovery === swarm.Discovery);
	return master?.Name ?? '';
}

function isSwarmActive(url: string, swarm: SwarmOptions | undefined, dockerHost: string, swarmAddress: (url: string, swarm: SwarmOptions) => string): boolean {
	if (!swarm?.Master) return false;
	try {
		return swarmAddress(url, swarm) === dockerHost;
	} catch {
		return false;
	}
}

export type QueryOptions = {
	timeoutMs?: number;
	signal?: AbortSignal;
	/** Ask /info (containers, CPUs, memory) instead of the cheaper /_ping. */
	withInfo?: boolean;
};

async function askMachine(
	engine: Engine,
	machine: Machine,
	signal: AbortSignal,
	withInfo = false,
): Promise<Omit<MachineStatus, 'name' | 'driverName' | 'swarm' | 'responseTimeMs'> & {swarm?: string}> {
	const notes = await readNotes(machine.dir);
	const {provisionError, createError} = notes;
	// A swarm-mode member's column, until its daemon says more: what it was last told.
	const storedSwarm = notes.swarm ? {swarm: `${notes.swarm.cluster} (${notes.swarm.role})`} : {};
	if (createError) {
		return {
			state: 'Error',
			url: '',
			dockerVersion: '',
			error: `Creation failed: ${createError} (remove it with "${engine.program} rm ${machine.name}")`,
			activeHost: false,
			activeSwarm: false,
			host: machine.host,
		};
	}

	if (provisionError) {
		return {
			state: 'Error',
			url: '',
			dockerVersion: '',
			error: `Provisioning failed: ${provisionError} (run "${engine.program} provision ${machine.name}" once the cause is fixed)`,
			activeHost: false,
			activeSwarm: false,
			host: machine.host,
		};
	}

	const context = driverContext(machine, {signal});
	let state: MachineState;
	try {
		state = await machine.driver.getState(context);
	} catch (error) {
		if (signal.aborted) throw error;
		return {state: 'Error', url: '', dockerVersion: '', error: errorMessage(error), activeHost: false, activeSwarm: false, host: machine.host};
	}

	if (state !== 'Running') {
		// docker-machine hides "Host is not running" for stopped machines: the state says it.
		return {state, url: '', dockerVersion: '', error: '', activeHost: false, activeSwarm: false, host: machine.host, ...storedSwarm};
	}

	let url: string;
	try {
		url = await machine.driver.getURL(context);
	} catch (error) {
		if (signal.aborted) throw error;
		return {state, url: '', dockerVersion: '', error: errorMessage(error), activeHost: false, activeSwarm: false, host: machine.host};
	}

	// Loaded here, not up front: it brings node:tls, which `ls -q` and the filters never need.
	const {dockerClientFor, swarmAddress} = await import('../access/connection.js');
	const dockerHost = engine.env.DOCKER_HOST ?? '';
	const swarm = machine.host.HostOptions.SwarmOptions;
	const activeHost = url === dockerHost;
	const activeSwarm = isSwarmActive(url, swarm, dockerHost, swarmAddress);
	try {
		const client = await dockerClientFor(engine, machine, url);
		if (notes.swarm) {
			const info = await client.info(signal);
			const {swarmLabel} = await import('../swarm/view.js');
			const swarmColumn = await swarmLabel(client, info, notes.swarm, signal);
			return {
				state,
				url,
				dockerVersion: info.ServerVersion,
				error: '',
				activeHost,
				activeSwarm,
				host: machine.host,
				swarm: swarmColumn,
				...(withInfo ? {info} : {}),
			};
		}

		if (withInfo) {
			const info = await client.info(signal);
			return {state, url, dockerVersion: info.ServerVersion, error: '', activeHost, activeSwarm, host: machine.host, info};
		}

		const version = await client.engineVersion(signal);
		return {state, url, dockerVersion: version, error: '', activeHost, activeSwarm, host: machine.host};
	} catch (error) {
		if (signal.aborted) throw error;
		return {
			state,
			url,
			dockerVersion: '',
			error: `Unable to query docker version: ${errorMessage(error)}`,
			activeHost,
			activeSwarm,
			host: machine.host,
			...storedSwarm,
		};
	}
}

/** Asks one machine for its state, URL and Docker version, giving up after `timeoutMs`. */
export async function queryMachine(engine: Engine, host: HostRecord, swarm: string, options: QueryOptions = {}): Promise<MachineStatus> {
	const started = performance.now();
	const timeoutMs = options.timeoutMs ?? defaultQueryTimeoutMs;
	const controller = new AbortController();
	const timer = setTimeout(() => {
		controller.abort(new MachinistError('timeout'));
	}, timeoutMs);
	const onOuterAbort = () => {
		controller.abort(options.signal?.reason);
	};

	options.signal?.addEventListener('abort', onOuterAbort, {once: true});
	const base = {name: host.Name, driverName: host.DriverName, swarm};
	try {
		const machine = await machineFromHost(engine, host);
		// The race guarantees the deadline even if a driver ignores its signal.
		const answer = await Promise.race([
			askMachine(engine, machine, controller.signal, options.withInfo),
			new Promise<never>((_resolve, reject) => {
				controller.signal.addEventListener(
					'abort',
					() => {
						reject(abortError(controller.signal));
					},
					{once: true},
				);
			}),
		]);
		return {...base, ...answer, responseTimeMs: performance.now() - started};
	} catch (error) {
		if (controller.signal.aborted && !options.signal?.aborted) {
			return {
				...base,
				state: 'Timeout',
				url: '',
				dockerVersion: '',
				error: '',
				activeHost: false,
				activeSwarm: false,
				swarm: '',
				responseTimeMs: performance.now() - started,
				problem: 'timeout',
				host,
			};
		}

		throw error;
	} finally {
		clearTimeout(timer);
		options.signal?.removeEventListener('abort', onOuterAbort);
	}
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = Array.from({length: items.length});
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await work(items[index]!);
		}
	};

	await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
	return results;
}

export function loadErrorStatus(entry: StoreEntry): MachineStatus {
	return {
		name: entry.name,
		driverName: 'not found',
		state: 'Error',
		url: '',
		dockerVersion: '',
		error: (entry.error ? entry.error.message : '').replaceAll('\n', ''),
		responseTimeMs: 0,
		activeHost: false,
		activeSwarm: false,
		swarm: '',
		problem: 'load-error',
	};
}

/**
 * Queries every loadable machine in parallel (bounded) and returns loaded ones sorted
 * naturally, then the unloadable ones as error rows, as `ls` lists them.
 */
export async function queryMachines(
	engine: Engine,
	entries: readonly StoreEntry[],
	options: QueryOptions & {concurrency?: number; include?: (host: HostRecord) => boolean} = {},
): Promise<MachineStatus[]> {
	const hosts = entries.flatMap(entry => (entry.host ? [entry.host] : []));
	const wanted = hosts.filter(host => options.include?.(host) ?? true).sort((a, b) => naturalCompare(a.Name, b.Name));
	const byName = new Map(entries.map(entry => [entry.name, entry]));
	const statuses = await mapBounded(wanted, options.concurrency ?? defaultQueryConcurrency, async host => {
		const entry = byName.get(host.Name);
		// A machine being created or removed has no state worth asking for yet, or any more.
		if (entry?.operation === 'Creating' || entry?.operation === 'Removing') {
			return {
				name: host.Name,
				driverName: host.DriverName,
				swarm: '',
				state: entry.operation,
				url: '',
				dockerVersion: '',
				error: '',
				responseTimeMs: 0,
				activeHost: false,
				activeSwarm: false,
				host,
			};
		}

		return withStoreFacts(entry, await queryMachine(engine, host, swarmMasterName(host, hosts), options), engine.program);
	});
	const broken = entries
		.filter(entry => entry.error)
		.sort((a, b) => naturalCompare(a.name, b.name))
		.map(entry => withStoreFacts(entry, loadErrorStatus(entry), engine.program));
	return [...statuses, ...broken];
}

/**
 * What the store knows beyond the host's answer: an operation running on the machine explains
 * an unfinished record (no error, and no advice to remove it), and a record that names another
 * machine is pointed out.
 */
function withStoreFacts(entry: StoreEntry | undefined, status: MachineStatus, program: string): MachineStatus {
	if (entry?.operation && status.state === 'Error') {
		return {...status, state: entry.operation, driverName: entry.host?.DriverName ?? '', error: '', problem: undefined};
	}

	if (entry?.recordName !== undefined) {
		const mismatch = `config.json names this machine "${entry.recordName}"; "${program} provision ${entry.name}" rewrites it for "${entry.name}"`;
		return {...status, error: status.error ? `${mismatch}; ${status.error}` : mismatch};
	}

	return status;
}

/** The machine `active` reports: the first (in `ls` order) whose URL is $DOCKER_HOST. */
export function activeMachine(statuses: readonly MachineStatus[]): MachineStatus | undefined {
	return statuses.find(status => status.activeHost || status.activeSwarm);
}
