import {listReducer, navigationAction, selectedKey} from '../../reducers/list.js';
import {notify, same, toList, type AppView} from '../../reducers/state.js';
import type {ScreenDefinition} from '../screen.js';

export type OperationsScreen = {name: 'operations'};

/** The operations view lists the newest first. */
export function operationKeys(operations: AppView['operations']): string[] {
	return operations.map(operation => String(operation.id)).toReversed();
}

/** Every operation of this session and the log of the selected one. */
export const operations: ScreenDefinition<OperationsScreen> = {
	title: () => 'operations',
	context: () => 'operations',
	onKey({state, command, view}) {
		const move = navigationAction(command);
		if (move) return same({...state, operationList: listReducer(state.operationList, move, operationKeys(view.operations))});
		if (command === 'leaveOperations') return same(toList(state));
		if (command !== 'dismiss') return undefined;
		const selectedId = selectedKey(state.operationList, operationKeys(view.operations));
		const operation = view.operations.find(candidate => String(candidate.id) === selectedId);
		if (operation?.state === 'running') return same(notify(state, 'It is still running; finished ones can be dismissed', 'danger'));
		return operation ? {state, effects: [{type: 'dismiss', id: operation.id}]} : same(state);
	},
};
