import {shellNames} from '../../format/env.js';
import type {Key} from '../input/keys.js';
import type {CommandName} from '../keymap.js';
import {definitionOf} from '../screens/registry.js';
import {jumpTo, movedIndex, navigationAction} from './list.js';
import {openEnv, refuseBusy} from './machine.js';
import {same, type AppState, type AppView, type Effect, type Overlay, type Result} from './state.js';

/** The keys of what is drawn over the screen: help, questions, dialogs, the manager choice. */

function closeDialog(state: AppState): AppState {
	return {...state, overlay: undefined, dialog: state.dialog + 1};
}

/** What confirming runs, and what it changes on screen: a removed machine's screens close. */
function confirmed(state: AppState, effect: Effect): Result {
	const closed = {...state, overlay: undefined};
	const leaving = effect.type === 'run' && effect.kind === 'rm' && definitionOf(state.screen).machine?.(state.screen) === effect.machine;
	return {state: leaving ? {...closed, screen: {name: 'list'}} : closed, effects: [effect]};
}

export function onOverlayKey(state: AppState, overlay: Overlay, key: Key, command: CommandName | undefined, view: AppView): Result {
	switch (overlay.kind) {
		case 'help': {
			if (command === 'closeHelp') return same({...state, overlay: undefined});
			const action = navigationAction(command);
			if (!action) return same(state);
			const scroll = movedIndex(overlay.scroll, view.helpMaxScroll(overlay.from) + 1, action);
			return same({...state, overlay: {...overlay, scroll}});
		}

		case 'confirm': {
			if (command === 'yes') return confirmed(state, overlay.onYes);
			if (command === 'no') return same({...state, overlay: undefined});
			return same(state);
		}

		case 'env': {
			const current = shellNames.indexOf(overlay.shell);
			const index = command === 'nextShell' ? (current + 1) % shellNames.length : command ? undefined : jumpTo(shellNames, current, key.text);
			if (index !== undefined && index !== current) {
				const shell = shellNames[index]!;
				const opened = openEnv(state, overlay.machine, shell);
				return {state: opened.state, effects: [{type: 'rememberShell', shell}, ...opened.effects]};
			}

			return same(command === 'closeDialog' ? closeDialog(state) : state);
		}

		case 'message': {
			return same(command === 'closeDialog' ? closeDialog(state) : state);
		}

		case 'managers': {
			if (command === 'cancelManagers') return same({...state, overlay: undefined});
			if (command === 'chooseManager') {
				const closed = {...state, overlay: undefined};
				const manager = overlay.managers[overlay.index]!;
				const busy = refuseBusy(closed, view, overlay.machine);
				if (busy) return same(busy);
				return {state: closed, effects: [{type: 'swarm', kind: 'swarm-join', machine: overlay.machine, manager}]};
			}

			const action = navigationAction(command);
			const index = action ? movedIndex(overlay.index, overlay.managers.length, action) : jumpTo(overlay.managers, overlay.index, key.text);
			return same(index === undefined ? state : {...state, overlay: {...overlay, index}});
		}
	}
}
