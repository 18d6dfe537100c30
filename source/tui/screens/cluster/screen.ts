import {same, toList} from '../../reducers/state.js';
import type {ScreenDefinition} from '../screen.js';

export type ClusterScreen = {name: 'cluster'; machine: string};

/** The swarm a machine is in; the machine keys act on that machine. */
export const cluster: ScreenDefinition<ClusterScreen> = {
	title: screen => `${screen.machine}'s swarm`,
	context: () => 'cluster',
	machine: screen => screen.machine,
	onKey: ({state, command}) => (command === 'back' ? same(toList(state)) : undefined),
};
