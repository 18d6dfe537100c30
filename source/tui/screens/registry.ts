import {cluster} from './cluster/screen.js';
import {containers} from './containers/screen.js';
import {create} from './create/screen.js';
import {details} from './details/screen.js';
import {list} from './list/screen.js';
import {logs} from './logs/screen.js';
import {operations} from './operations/screen.js';
import {services} from './services/screen.js';
import {set} from './set/screen.js';
import type {ScreenDefinition, ScreenOf} from './screen.js';

/**
 * Every screen of the app, by name: the one table to extend. A screen is a folder here with
 * `screen.ts` (its state, title, keys and key handler, as a ScreenDefinition) and `View.tsx`; it
 * takes a line in this table and one in `views.ts`. The app reducer dispatches keys to the
 * current screen's definition; nothing else names screens one by one.
 */
const table = {list, details, cluster, operations, create, set, containers, logs, services};

/** The table, checked: each definition is under the name its screen state carries. */
export const screens: {[Name in keyof typeof table]: ScreenDefinition<Extract<ScreenOf<(typeof table)[keyof typeof table]>, {name: Name}>>} = table;

export type ScreenName = keyof typeof screens;

/** The current screen and the state it carries: `{name: 'details', machine: 'web'}`. */
export type Screen = ScreenOf<(typeof screens)[ScreenName]>;

/** The definition of the screen given, typed for it. */
export function definitionOf<S extends Screen>(screen: S): ScreenDefinition<S> {
	return screens[screen.name] as unknown as ScreenDefinition<S>;
}
