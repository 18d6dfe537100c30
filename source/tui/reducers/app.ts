import type {Key} from '../input/keys.js';
import {commandFor, keymap, scopeCommand, type CommandName, type Context} from '../keymap.js';
import {definitionOf} from '../screens/registry.js';
import {listReducer} from './list.js';
import {onMachine} from './machine.js';
import {onOverlayKey} from './overlays.js';
import {same, selectedMachine, type AppAction, type AppState, type AppView, type Result} from './state.js';

/**
 * The app's screens, overlays and modes as one pure reducer: (state, key or event, what the
 * app sees now) → the next state and the effects to run. Keys are applied one at a time, each
 * in the mode the previous one left, so a read holding several keys (`/` and a name, `jjk`) is
 * taken as the user typed it, whenever React gets to draw. An overlay takes the keys while it is
 * there; otherwise the current screen's definition (screens/registry.ts) does, and what it
 * passes on is a machine key or a global one.
 */

export type {AppAction, AppState, AppView, Effect} from './state.js';
export {initialAppState, selectedMachine} from './state.js';

/** Which keys apply now: the overlay's, else the screen's (and its mode's). */
export function contextOf(state: AppState): Context {
	const {overlay, screen} = state;
	if (overlay) return overlay.kind === 'message' ? 'dialog' : overlay.kind;
	return definitionOf(screen).context(screen, state);
}

/** The keys of the `global` scope: the same on every screen that has them. */
function onGlobal(state: AppState, command: CommandName, view: AppView): Result {
	if (command === 'help') return same({...state, overlay: {kind: 'help', from: contextOf(state), scroll: 0}});
	if (command !== 'quit') return same(state);
	const running = view.operations.filter(operation => operation.state === 'running');
	if (running.length === 0) return {state, effects: [{type: 'exit'}]};
	const what = running.map(operation => `${operation.kind} ${operation.machine}`).join(', ');
	return same({...state, overlay: {kind: 'confirm', question: `Quit? Still running: ${what}. They stop when machinist does.`, onYes: {type: 'exit'}}});
}

export function onKey(state: AppState, key: Key, view: AppView): Result {
	// Ctrl-C during a hand-off is the program's (ssh's), not ours.
	if (state.handoff) return same(state);
	if (scopeCommand('always', key.name) === 'forceQuit') return {state, effects: [{type: 'exit'}]};
	const command = commandFor(contextOf(state), key.name);
	if (state.overlay) return onOverlayKey(state, state.overlay, key, command, view);
	const {screen} = state;
	const definition = definitionOf(screen);
	const handled = definition.onKey({state, screen, key, command, view});
	if (handled) return handled;
	if (!command) return same(state);
	const {scope} = keymap[command];
	if (scope === 'global') return onGlobal(state, command, view);
	const target = definition.machine?.(screen) ?? selectedMachine(state, view);
	return scope === 'machine' && target ? onMachine(state, command, target, view) : same(state);
}

/** Applies keys one after another; each effect list is concatenated in order. */
export function onKeys(state: AppState, keys: readonly Key[], view: AppView): Result {
	let result = same(state);
	for (const key of keys) {
		const next = onKey(result.state, key, view);
		result = {state: next.state, effects: [...result.effects, ...next.effects]};
	}

	return result;
}

export function appReducer(state: AppState, action: AppAction, view: AppView): Result {
	switch (action.type) {
		case 'key': {
			return onKey(state, action.key, view);
		}

		case 'rows': {
			const list = listReducer(state.list, {type: 'sync'}, view.names);
			return same(list === state.list ? state : {...state, list});
		}

		case 'toast': {
			return same({...state, toast: action.toast});
		}

		case 'toastExpired': {
			return same(state.toast === action.toast ? {...state, toast: undefined} : state);
		}

		case 'confirm': {
			return same({...state, overlay: {kind: 'confirm', question: action.question, onYes: action.onYes}});
		}

		case 'dialogAnswer': {
			if (action.request !== state.dialog) return same(state);
			return same({...state, overlay: action.overlay, toast: action.toast ?? state.toast});
		}

		case 'failure': {
			return same({...state, dialog: state.dialog + 1, toast: undefined, overlay: {kind: 'message', title: action.title, text: action.text}});
		}

		case 'handOff': {
			const {machine, binary, args, what} = action;
			return same({...state, handoff: {machine, binary, args, ...(what === undefined ? {} : {what})}});
		}

		case 'handOffEnded': {
			return same({...state, handoff: undefined, toast: action.toast});
		}

		default: {
			// Answers for a screen (a driver loaded) go to the current one; a screen gone by then drops them.
			const {screen} = state;
			return definitionOf(screen).onAction?.({state, screen, action, view, replay: (next, keys) => onKeys(next, keys, view)}) ?? same(state);
		}
	}
}
