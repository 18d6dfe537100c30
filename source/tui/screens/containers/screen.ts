import type {ContainerAction} from '../../../engine/index.js';
import {typedText} from '../../input/text-field.js';
import type {CommandName} from '../../keymap.js';
import {initialListState, listReducer, navigatedList, selectedKey, type ListState} from '../../reducers/list.js';
import {notify, same, toList, type AppState, type AppView, type Effect, type Result} from '../../reducers/state.js';
import {logsScreen} from '../logs/screen.js';
import type {ScreenDefinition} from '../screen.js';
import {containerRows, type ContainerRow} from './rows.js';

/** One machine's containers (from its details or the list), or every running machine's: the fleet. */
export type ContainersScreen = {
	name: 'containers';
	/** Undefined for the fleet. */
	machine?: string;
	/** Stopped containers too (`docker ps -a`). */
	all: boolean;
	filter: string;
	filtering: boolean;
	list: ListState;
	/** Where Esc goes: the machine's details, or the list. */
	back: 'list' | 'details';
};

export function containersScreen(machine: string | undefined, back: ContainersScreen['back']): ContainersScreen {
	return {name: 'containers', ...(machine === undefined ? {} : {machine}), all: true, filter: '', filtering: false, list: initialListState, back};
}

export function shownRows(screen: ContainersScreen, view: Pick<AppView, 'containers'>): ContainerRow[] {
	return containerRows(view.containers(), screen);
}

/** Each list of rows' keys, made once: the rows are kept while their tables do not change. */
const keysOf = new WeakMap<readonly ContainerRow[], string[]>();

export function rowKeys(rows: readonly ContainerRow[]): string[] {
	let keys = keysOf.get(rows);
	if (!keys) {
		keys = rows.map(row => row.key);
		keysOf.set(rows, keys);
	}

	return keys;
}

export function selectedRow(screen: ContainersScreen, rows: readonly ContainerRow[]): ContainerRow | undefined {
	const keys = rowKeys(rows);
	const key = selectedKey(screen.list, keys);
	return key === undefined ? undefined : rows[keys.indexOf(key)];
}

const actions: Partial<Record<CommandName, ContainerAction>> = {
	containerStart: 'start',
	containerStop: 'stop',
	containerRestart: 'restart',
	containerKill: 'kill',
	containerRemove: 'remove',
};

function withScreen(state: AppState, screen: ContainersScreen): Result {
	return same({...state, screen});
}

/** A filter change keeps the selection by key; the list reducer sees the rows it leaves. */
function refiltered(state: AppState, screen: ContainersScreen, filter: string, filtering: boolean, view: AppView): Result {
	const next = {...screen, filter, filtering};
	const keys = rowKeys(shownRows(next, view));
	return withScreen(state, {...next, list: listReducer(next.list, {type: 'sync'}, keys)});
}

function onFilterKey(state: AppState, screen: ContainersScreen, command: CommandName | undefined, text: string | undefined, view: AppView): Result {
	if (command === 'keepFilter') return withScreen(state, {...screen, filtering: false});
	if (command === 'clearFilter') return refiltered(state, screen, '', false, view);
	if (command === 'eraseFilter') return refiltered(state, screen, screen.filter.slice(0, -1), true, view);
	const typed = text === undefined ? '' : typedText(text);
	return typed === '' ? same(state) : refiltered(state, screen, screen.filter + typed, true, view);
}

function act(state: AppState, row: ContainerRow, action: ContainerAction): Result {
	const effect: Effect = {type: 'containerAction', machine: row.machine, id: row.id, name: row.name, action};
	if (action === 'kill')
		return same({...state, overlay: {kind: 'confirm', question: `Kill ${row.name} on ${row.machine}? Its processes get SIGKILL.`, onYes: effect}});
	if (action !== 'remove') return {state, effects: [effect]};
	const running = row.state === 'running' || row.state === 'paused' || row.state === 'restarting';
	const question = running ? `${row.name} on ${row.machine} is ${row.state}: remove it anyway (rm -f)?` : `Remove ${row.name} on ${row.machine}?`;
	return same({...state, overlay: {kind: 'confirm', question, onYes: {...effect, force: running}}});
}

function onRowKey(state: AppState, screen: ContainersScreen, command: CommandName | undefined, row: ContainerRow | undefined): Result | undefined {
	if (!row) return command === undefined ? undefined : same(notify(state, 'No container selected'));
	const action = command ? actions[command] : undefined;
	if (action) return act(state, row, action);
	switch (command) {
		case 'containerPause': {
			return act(state, row, row.state === 'paused' ? 'unpause' : 'pause');
		}

		case 'containerLogs': {
			return {
				state: {...state, screen: logsScreen(row.machine, {kind: 'container', id: row.id, name: row.name}, screen)},
				effects: [{type: 'openLogs', machine: row.machine, id: row.id}],
			};
		}

		case 'containerShell': {
			if (row.state !== 'running') return same(notify(state, `${row.name} is ${row.state}: start it (s) to open a shell in it`, 'danger'));
			return {
				state: notify(state, `Opening a shell in ${row.name}…`),
				effects: [{type: 'containerShell', machine: row.machine, id: row.id, name: row.name}],
			};
		}

		default: {
			return undefined;
		}
	}
}

/** A machine's containers, or the fleet's, kept current by the daemons' event streams. */
export const containers: ScreenDefinition<ContainersScreen> = {
	title: screen => (screen.machine === undefined ? 'every container of every running machine' : `${screen.machine}'s containers`),
	context: screen => (screen.filtering ? 'filter' : 'containers'),
	machine: screen => screen.machine,
	onKey({state, screen, key, command, view}) {
		if (screen.filtering) return onFilterKey(state, screen, command, key.text, view);
		const rows = shownRows(screen, view);
		const list = navigatedList(screen.list, command, rowKeys(rows));
		if (list) return withScreen(state, {...screen, list});
		switch (command) {
			case 'showAll': {
				const next = {...screen, all: !screen.all};
				return same(notify({...state, screen: next}, next.all ? 'Showing stopped containers too' : 'Showing running containers only'));
			}

			case 'filterContainers': {
				return withScreen(state, {...screen, filtering: true});
			}

			case 'leaveContainers': {
				if (screen.filter !== '') return refiltered(state, screen, '', false, view);
				if (screen.back === 'details' && screen.machine !== undefined) return same({...state, screen: {name: 'details', machine: screen.machine}});
				return same(toList(state));
			}

			default: {
				return onRowKey(state, screen, command, selectedRow(screen, rows));
			}
		}
	},
	onAction({state, screen, action, view}) {
		if (action.type !== 'containers') return undefined;
		const list = listReducer(screen.list, {type: 'sync'}, rowKeys(shownRows(screen, view)));
		return list === screen.list ? same(state) : withScreen(state, {...screen, list});
	},
};
