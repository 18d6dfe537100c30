import {same, toList} from '../../reducers/state.js';
import type {ScreenDefinition} from '../screen.js';

export type DetailsScreen = {name: 'details'; machine: string};

/** One machine in full; the machine keys act on it. */
export const details: ScreenDefinition<DetailsScreen> = {
	title: screen => screen.machine,
	context: () => 'details',
	machine: screen => screen.machine,
	onKey: ({state, command}) => (command === 'back' ? same(toList(state)) : undefined),
};
