// ls --filter: parsing the flags and matching machines against them.
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {readNotes} from '../store/notes.js';
import type {EngineOptions, HostRecord} from '../store/host.js';
import type {MachineState} from '../state.js';
import {swarmMasterName} from './query.js';

export type MachineFilters = {
	driver: string[];
	state: string[];
	name: RegExp[];
	label: Array<{key: string; value: string}>;
	swarm: string[];
};

/**
 * Parses `--filter key=value` flags. Repeating a key ORs its values; different keys AND.
 * Unlike docker-machine, `label=key` without a value matches any value instead of crashing,
 * and a bad name regex is a normal error.
 */
export function parseFilters(flags: readonly string[]): MachineFilters {
	const filters: MachineFilters = {driver: [], state: [], name: [], label: [], swarm: []};
	for (const flag of flags) {
		const equals = flag.indexOf('=');
		if (equals <= 0) throw new MachinistError(`Unsupported filter syntax "${flag}": use --filter key=value`);
		const key = flag.slice(0, equals).toLowerCase();
		const value = flag.slice(equals + 1);
		switch (key) {
			case 'driver':
			case 'state':
			case 'swarm': {
				filters[key].push(value.toLowerCase());
				break;
			}

			case 'name': {
				try {
					filters.name.push(new RegExp(value));
				} catch (error) {
					throw new MachinistError(`Invalid name filter "${value}": ${errorMessage(error).replace(/^Invalid regular expression: /, '')}`);
				}

				break;
			}

			case 'label': {
				const labelEquals = value.indexOf('=');
				filters.label.push(labelEquals === -1 ? {key: value, value: ''} : {key: value.slice(0, labelEquals), value: value.slice(labelEquals + 1)});
				break;
			}

			default: {
				throw new MachinistError(`Unsupported filter key '${flag.slice(0, equals)}': use driver, state, name, label or swarm`);
			}
		}
	}

	return filters;
}

function labelsMatch(engineOptions: EngineOptions | undefined, wanted: MachineFilters['label']): boolean {
	const labels = (engineOptions?.Labels ?? []).map(label => {
		const equals = label.indexOf('=');
		return equals === -1 ? {key: label, value: ''} : {key: label.slice(0, equals), value: label.slice(equals + 1)};
	});
	return wanted.some(filter =>
		labels.some(label => label.key === filter.key && (filter.value === '' || label.value.toLowerCase() === filter.value.toLowerCase())),
	);
}

/** Filters that need only the stored record (all but state). */
/**
 * The filters `ls` applies before asking any machine (all but state). `swarm=NAME` matches the
 * members of swarm-mode cluster NAME, as their notes record it, and docker-machine's masters.
 */
export async function recordFilter(engine: Engine, hosts: readonly HostRecord[], filters: MachineFilters): Promise<(host: HostRecord) => boolean> {
	const clusters = new Map<string, string>();
	if (filters.swarm.length > 0) {
		await Promise.all(
			hosts.map(async host => {
				const {swarm} = await readNotes(engine.store.machineDir(host.Name));
				if (swarm) clusters.set(host.Name, swarm.cluster.toLowerCase());
			}),
		);
	}

	return host => matchesRecordFilters(host, hosts, filters, clusters);
}

export function matchesRecordFilters(
	host: HostRecord,
	hosts: readonly HostRecord[],
	filters: MachineFilters,
	clusters: ReadonlyMap<string, string> = new Map(),
): boolean {
	if (filters.driver.length > 0 && !filters.driver.includes(host.DriverName.toLowerCase())) return false;
	if (filters.name.length > 0 && !filters.name.some(pattern => pattern.test(host.Name))) return false;
	if (filters.label.length > 0 && !labelsMatch(host.HostOptions.EngineOptions, filters.label)) return false;
	if (filters.swarm.length > 0) {
		const master =
			clusters.get(host.Name) ??
			swarmMasterName(host, hosts)
				.replace(/ \(master\)$/, '')
				.toLowerCase();
		if (!filters.swarm.includes(master)) return false;
	}

	return true;
}

export function matchesStateFilter(state: MachineState, filters: MachineFilters): boolean {
	if (filters.state.length === 0) return true;
	// `state=` with an empty value matches None, whose label is empty.
	const label = state === 'None' ? '' : state.toLowerCase();
	return filters.state.includes(label);
}
