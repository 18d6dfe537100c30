import {containerName, portsLabel, type ContainerTable} from '../../../engine/index.js';

/** One line of the containers screen. `key` is `machine/id`: names repeat across machines. */
export type ContainerRow = {
	key: string;
	machine: string;
	id: string;
	name: string;
	image: string;
	state: string;
	status: string;
	ports: string;
	/** Seconds since the epoch. */
	created: number;
	/** When the daemon wrote `status` (ms since the epoch): the screen moves it on from there. */
	listedAt: number;
	/** The machine's daemon is not answering: this is its last known row. */
	stale: boolean;
};

/** What the containers screen shows: one machine's, or every machine's (the fleet). */
export type ContainerScope = {machine?: string; all: boolean; filter: string};

/**
 * A filter as `docker ps --filter` takes it: `state=running` and `machine=web` words are chips
 * (several of one kind are alternatives, kinds combine), the other words must each appear in the
 * name, image or machine.
 */
export type ParsedFilter = {states: string[]; machines: string[]; words: string[]};

export function parseFilter(filter: string): ParsedFilter {
	const parsed: ParsedFilter = {states: [], machines: [], words: []};
	for (const word of filter.toLowerCase().split(/\s+/)) {
		if (word === '') continue;
		const chip = /^(state|status|machine)=(.+)$/.exec(word);
		if (chip?.[1] === 'machine') parsed.machines.push(chip[2]!);
		else if (chip) parsed.states.push(chip[2]!);
		else parsed.words.push(word);
	}

	return parsed;
}

function matches(row: ContainerRow, filter: ParsedFilter): boolean {
	if (filter.states.length > 0 && !filter.states.includes(row.state)) return false;
	if (filter.machines.length > 0 && !filter.machines.includes(row.machine.toLowerCase())) return false;
	const text = `${row.name}\n${row.image}\n${row.machine}`.toLowerCase();
	return filter.words.every(word => text.includes(word));
}

/**
 * The last rows built, with what they were built from: a held key asks for the same 2,000 rows
 * from the reducer and the view at every press, and the tables change only when a daemon reports.
 */
let last: {tables: readonly ContainerTable[]; machine?: string; all: boolean; filter: string; rows: ContainerRow[]} | undefined;

/** Rows in machine order, then name; stopped ones only with `all`, as `docker ps` and `-a`. */
export function containerRows(tables: readonly ContainerTable[], scope: ContainerScope): ContainerRow[] {
	if (last?.tables === tables && last.machine === scope.machine && last.all === scope.all && last.filter === scope.filter) return last.rows;
	const rows = buildRows(tables, scope);
	last = {tables, ...(scope.machine === undefined ? {} : {machine: scope.machine}), all: scope.all, filter: scope.filter, rows};
	return rows;
}

function buildRows(tables: readonly ContainerTable[], scope: ContainerScope): ContainerRow[] {
	const filter = parseFilter(scope.filter);
	const rows: ContainerRow[] = [];
	for (const table of tables) {
		if (scope.machine !== undefined && table.machine !== scope.machine) continue;
		const reach = table.reach ?? {dockerHost: '', viaLoopback: false};
		for (const container of table.containers) {
			if (!scope.all && container.State !== 'running' && container.State !== 'paused' && container.State !== 'restarting') continue;
			const row: ContainerRow = {
				key: `${table.machine}/${container.Id}`,
				machine: table.machine,
				id: container.Id,
				name: containerName(container),
				image: container.Image,
				state: container.State,
				status: container.Status,
				ports: portsLabel(container.Ports, reach),
				created: container.Created,
				listedAt: table.updatedAt ?? 0,
				stale: table.state === 'Timeout',
			};
			if (matches(row, filter)) rows.push(row);
		}
	}

	return rows;
}
