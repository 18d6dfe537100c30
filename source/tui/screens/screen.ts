import type {Key} from '../input/keys.js';
import type {CommandName, Context} from '../keymap.js';
import type {AppAction, AppState, AppView, Result} from '../reducers/state.js';

/**
 * A screen as one unit, the state side: its title, which keys apply, what a key does, and the
 * machine it shows. Its view is `View.tsx` beside it, registered in `views.ts` (the reducers
 * never load a view). Both tables are typed by the screen's name, so a screen missing from
 * either does not compile.
 */
export type ScreenDefinition<S extends {name: string}> = {
	/** The header line's title. */
	title(screen: S, seen: {machines: number}): string;
	/** The keymap context whose keys apply now (a screen may have modes: the list's filter). */
	context(screen: S, state: AppState): Context;
	/**
	 * What a key does here. `command` is what the key means in `context` (undefined for typed
	 * text). Undefined passes the key on: a command of the `machine` scope then acts on `machine`
	 * (else the list's selection), one of the `global` scope (help, quit) does what it does anywhere.
	 */
	onKey(input: ScreenInput<S> & {key: Key; command?: CommandName}): Result | undefined;
	/** The machine it shows: machine keys act on it, and the screen closes when it is removed. */
	machine?(screen: S): string | undefined;
	/**
	 * An answer from the engine while this screen is current (a driver loaded); undefined leaves
	 * the state as it is. `replay` applies keys as if typed now (ones that waited for the answer).
	 */
	onAction?(input: ScreenInput<S> & {action: AppAction; replay: (state: AppState, keys: readonly Key[]) => Result}): Result | undefined;
};

export type ScreenInput<S> = {state: AppState; screen: S; view: AppView};

/** The state of a screen from its definition. */
export type ScreenOf<D> = D extends ScreenDefinition<infer S> ? S : never;
