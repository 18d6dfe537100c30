import {typedText} from '../../input/text-field.js';
import type {CommandName} from '../../keymap.js';
import {listReducer, navigationAction, type ListAction} from '../../reducers/list.js';
import {notify, same, selectedMachine, type AppState, type Result} from '../../reducers/state.js';
import {containersScreen} from '../containers/screen.js';
import {createScreen} from '../create/screen.js';
import type {ScreenDefinition} from '../screen.js';

export type ListScreen = {name: 'list'};

/** While the filter is typed: Enter keeps it, Esc clears it, Backspace erases, text is typed. */
function onFilterKey(state: AppState, command: CommandName | undefined, text: string | undefined, names: readonly string[]): Result {
	const change = (action: ListAction) => same({...state, list: listReducer(state.list, action, names)});
	if (command === 'keepFilter') return change({type: 'keepFilter'});
	if (command === 'clearFilter') return change({type: 'clearFilter'});
	if (command === 'eraseFilter') return change({type: 'eraseFilter'});
	const typed = text === undefined ? '' : typedText(text);
	return typed === '' ? same(state) : change({type: 'typeFilter', text: typed});
}

/** The home screen: every machine, a filter typed after `/`, and the ways to the other screens. */
export const list: ScreenDefinition<ListScreen> = {
	title: (_screen, {machines}) => `${machines} machine${machines === 1 ? '' : 's'}`,
	context: (_screen, state) => (state.list.filtering ? 'filter' : 'list'),
	onKey({state, key, command, view}) {
		if (state.list.filtering) return onFilterKey(state, command, key.text, view.names);
		const move = navigationAction(command);
		if (move) return same({...state, list: listReducer(state.list, move, view.names)});
		switch (command) {
			case 'details': {
				const selected = selectedMachine(state, view);
				return same(selected ? {...state, screen: {name: 'details', machine: selected}} : state);
			}

			case 'create': {
				return same({...state, screen: createScreen(view)});
			}

			case 'filter': {
				return same({...state, list: listReducer(state.list, {type: 'startFilter'}, view.names)});
			}

			case 'unfilter': {
				return same({...state, list: listReducer(state.list, {type: 'clearFilter'}, view.names)});
			}

			case 'operations': {
				return same({...state, screen: {name: 'operations'}});
			}

			case 'fleet': {
				return same({...state, screen: containersScreen(undefined, 'list')});
			}

			case 'refresh': {
				return {state: notify(state, 'Asking every machine…'), effects: [{type: 'refresh'}]};
			}

			default: {
				return undefined;
			}
		}
	},
};
