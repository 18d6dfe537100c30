import type {CommandName} from '../keymap.js';

/**
 * A selectable list with a name filter, as pure functions. The selection is kept by key, so
 * rows that update or reorder under it do not move it; when its row goes away (removed,
 * filtered out) the row now at the same position is selected.
 */
export type ListState = {
	selected?: string;
	/** Where the selection was, for when its key disappears. */
	index: number;
	filter: string;
	/** The filter is being typed. */
	filtering: boolean;
};

export const initialListState: ListState = {index: 0, filter: '', filtering: false};

export type ListAction =
	| {type: 'move'; by: number}
	| {type: 'first'}
	| {type: 'last'}
	/** Selects a key, or keeps it as the selection until it appears (a machine being created). */
	| {type: 'select'; key: string}
	/** The keys changed: remember where the selection is now, for when it goes away. */
	| {type: 'sync'}
	| {type: 'startFilter'}
	| {type: 'typeFilter'; text: string}
	| {type: 'eraseFilter'}
	| {type: 'keepFilter'}
	| {type: 'clearFilter'};

const navigation: Partial<Record<CommandName, ListAction>> = {
	up: {type: 'move', by: -1},
	down: {type: 'move', by: 1},
	first: {type: 'first'},
	last: {type: 'last'},
};

/** The move a command of the `navigation` scope makes, or undefined for any other. */
export function navigationAction(command: CommandName | undefined): ListAction | undefined {
	return command ? navigation[command] : undefined;
}

/** Where a cursor over `count` rows lands after a navigation move, kept within them. */
export function movedIndex(index: number, count: number, action: ListAction): number {
	const last = count - 1;
	const next = action.type === 'move' ? index + action.by : action.type === 'first' ? 0 : last;
	return Math.min(Math.max(next, 0), last);
}

export function matchesFilter(key: string, filter: string): boolean {
	return key.toLowerCase().includes(filter.toLowerCase());
}

function visibleKeys(keys: readonly string[], filter: string): string[] {
	return filter === '' ? [...keys] : keys.filter(key => matchesFilter(key, filter));
}

/** The selected position among `visible`, or -1 when nothing is there. */
function cursorIndex(state: ListState, visible: readonly string[]): number {
	if (visible.length === 0) return -1;
	const found = state.selected === undefined ? -1 : visible.indexOf(state.selected);
	return found === -1 ? Math.min(Math.max(state.index, 0), visible.length - 1) : found;
}

export function selectedKey(state: ListState, keys: readonly string[]): string | undefined {
	const visible = visibleKeys(keys, state.filter);
	return visible[cursorIndex(state, visible)];
}

function selectAt(state: ListState, visible: readonly string[], index: number): ListState {
	if (visible.length === 0) return {...state, index: 0};
	const clamped = Math.min(Math.max(index, 0), visible.length - 1);
	return {...state, selected: visible[clamped], index: clamped};
}

/** A new filter keeps the selection when it still matches, else selects the first match. */
function withFilter(state: ListState, keys: readonly string[], filter: string, filtering: boolean): ListState {
	const visible = visibleKeys(keys, filter);
	const next = {...state, filter, filtering};
	if (state.selected !== undefined && visible.includes(state.selected)) return selectAt(next, visible, visible.indexOf(state.selected));
	return selectAt(next, visible, 0);
}

/** `keys` are all keys in display order, before filtering. */
export function listReducer(state: ListState, action: ListAction, keys: readonly string[]): ListState {
	const visible = visibleKeys(keys, state.filter);
	switch (action.type) {
		case 'move': {
			return selectAt(state, visible, cursorIndex(state, visible) + action.by);
		}

		case 'first': {
			return selectAt(state, visible, 0);
		}

		case 'last': {
			return selectAt(state, visible, visible.length - 1);
		}

		case 'select': {
			const index = visible.indexOf(action.key);
			return index === -1 ? {...state, selected: action.key} : selectAt(state, visible, index);
		}

		case 'sync': {
			const index = state.selected === undefined ? -1 : visible.indexOf(state.selected);
			// The same object when nothing moved, so React skips the render.
			return index === -1 || index === state.index ? state : {...state, index};
		}

		case 'startFilter': {
			return {...state, filtering: true};
		}

		case 'typeFilter': {
			return withFilter(state, keys, state.filter + action.text, true);
		}

		case 'eraseFilter': {
			return withFilter(state, keys, state.filter.slice(0, -1), true);
		}

		case 'keepFilter': {
			return {...state, filtering: false};
		}

		case 'clearFilter': {
			return withFilter(state, keys, '', false);
		}
	}
}

/** The first row to draw so the cursor stays in view, roughly centred once the list scrolls. */
export function scrollStart(cursor: number, total: number, height: number): number {
	if (total <= height || cursor < 0) return 0;
	return Math.min(Math.max(cursor - Math.floor(height / 2), 0), total - height);
}

/**
 * Type-to-jump in a picker, as lists in terminal apps do: a letter or digit moves to the next
 * entry after `from` (wrapping) whose name starts with it, so pressing it again cycles through
 * them. Undefined when the key is no such character or no entry starts with it.
 */
export function jumpTo(names: readonly string[], from: number, typed: string | undefined): number | undefined {
	if (typed === undefined || !/^[\p{L}\p{N}]$/u.test(typed)) return undefined;
	const initial = typed.toLowerCase();
	for (let step = 1; step <= names.length; step++) {
		const index = (from + step) % names.length;
		if (names[index]!.toLowerCase().startsWith(initial)) return index;
	}

	return undefined;
}

/** The list after a command of the `navigation` scope over these keys; undefined for any other command. */
export function navigatedList(list: ListState, command: CommandName | undefined, keys: readonly string[]): ListState | undefined {
	const move = navigationAction(command);
	return move ? listReducer(list, move, keys) : undefined;
}
