import {typedText} from '../../input/text-field.js';
import type {CommandName} from '../../keymap.js';
import {notify, same, type AppState, type Result} from '../../reducers/state.js';
import type {ContainersScreen} from '../containers/screen.js';
import type {ScreenDefinition} from '../screen.js';
import type {ServicesScreen} from '../services/screen.js';
import {shownLines} from './lines.js';

/** Whose logs: a container's, or a swarm service's (its tasks' lines merged, each with its task and node). */
export type LogSubject = {kind: 'container' | 'service'; id: string; name: string};

/**
 * A container's or a service's logs. Positions count the lines shown (all of them, or the filter's matches):
 * `bottom` is the last one on screen while not following, `cursor` the match `n`/`N` went to.
 */
export type LogsScreen = {
	name: 'logs';
	/** The container's machine, or the swarm manager the service's logs are read through. */
	machine: string;
	subject: LogSubject;
	/** The screen to go back to, as it was. */
	back: ContainersScreen | ServicesScreen;
	follow: boolean;
	bottom: number;
	cursor?: number;
	wrap: boolean;
	timestamps: boolean;
	filter: string;
	filtering: boolean;
};

/** The logs screen as it opens: following the newest lines, without timestamps, long lines cut. */
export function logsScreen(machine: string, subject: LogSubject, back: LogsScreen['back']): LogsScreen {
	return {name: 'logs', machine, subject, back, follow: true, bottom: 0, wrap: false, timestamps: false, filter: '', filtering: false};
}

function withScreen(state: AppState, screen: LogsScreen): Result {
	return same({...state, screen});
}

/** A position among `count` shown lines; the end of them follows again. */
function scrolledTo(screen: LogsScreen, bottom: number, count: number): LogsScreen {
	const last = count - 1;
	if (bottom >= last) return {...screen, follow: true, bottom: last, cursor: undefined};
	return {...screen, follow: false, bottom: Math.max(bottom, 0)};
}

/** A changed filter shows the newest matches, following. */
function refiltered(state: AppState, screen: LogsScreen, filter: string, filtering: boolean): Result {
	return withScreen(state, {...screen, filter, filtering, follow: true, cursor: undefined});
}

function onFilterKey(state: AppState, screen: LogsScreen, command: CommandName | undefined, text: string | undefined): Result {
	if (command === 'keepFilter') return withScreen(state, {...screen, filtering: false});
	if (command === 'clearFilter') return refiltered(state, screen, '', false);
	if (command === 'eraseFilter') return refiltered(state, screen, screen.filter.slice(0, -1), true);
	const typed = text === undefined ? '' : typedText(text);
	return typed === '' ? same(state) : refiltered(state, screen, screen.filter + typed, true);
}

/** `n`/`N`: the next or previous match, shown on the bottom line with a mark. */
function toMatch(state: AppState, screen: LogsScreen, by: 1 | -1, count: number): Result {
	if (screen.filter === '') return same(notify(state, 'Type / and a pattern first: n and N go through its matches'));
	if (count === 0) return same(notify(state, 'No line matches', 'danger'));
	const from = screen.cursor ?? (screen.follow ? count : screen.bottom + (by === 1 ? 0 : 1));
	const cursor = Math.min(Math.max(from + by, 0), count - 1);
	return withScreen(state, {...screen, cursor, bottom: cursor, follow: false});
}

function position(screen: LogsScreen, count: number): number {
	return screen.follow ? count - 1 : Math.min(screen.bottom, count - 1);
}

/** The logs of one container or service: the last 500 lines, then followed; filter, timestamps, wrap. */
export const logs: ScreenDefinition<LogsScreen> = {
	title: ({subject, machine}) =>
		subject.kind === 'container' ? `logs of ${subject.name} on ${machine}` : `logs of service ${subject.name} (${machine}'s swarm)`,
	context: screen => (screen.filtering ? 'filter' : 'logs'),
	machine: screen => screen.machine,
	onKey({state, screen, key, command, view}) {
		if (screen.filtering) return onFilterKey(state, screen, command, key.text);
		const count = shownLines(view.logLines(), screen.filter).length;
		const page = Math.max(1, view.pageHeight() - 1);
		const at = position(screen, count);
		const scroll: Partial<Record<CommandName, number>> = {logsUp: at - 1, logsDown: at + 1, logsPageUp: at - page, logsPageDown: at + page, logsTop: 0};
		const target = command ? scroll[command] : undefined;
		// The top is at least a page up: the bottom line of the first page.
		if (target !== undefined)
			return withScreen(state, {...scrolledTo(screen, command === 'logsTop' ? Math.min(page, count - 2) : target, count), cursor: undefined});
		switch (command) {
			case 'logsFollow': {
				return withScreen(state, {...screen, follow: true, cursor: undefined});
			}

			case 'logsTimestamps': {
				return withScreen(state, {...screen, timestamps: !screen.timestamps});
			}

			case 'logsWrap': {
				return withScreen(state, {...screen, wrap: !screen.wrap});
			}

			case 'filterLogs': {
				return withScreen(state, {...screen, filtering: true});
			}

			case 'nextMatch': {
				return toMatch(state, screen, 1, count);
			}

			case 'previousMatch': {
				return toMatch(state, screen, -1, count);
			}

			case 'leaveLogs': {
				if (screen.filter !== '') return refiltered(state, screen, '', false);
				return {state: {...state, screen: screen.back}, effects: [{type: 'closeLogs'}]};
			}

			default: {
				return undefined;
			}
		}
	},
};
