import {errorMessage, parseReplicas, whyNotScalable, type ServiceRow} from '../../../engine/index.js';
import {editText, type TextField} from '../../input/text-field.js';
import type {Key} from '../../input/keys.js';
import type {CommandName} from '../../keymap.js';
import {initialListState, navigatedList, selectedKey, type ListState} from '../../reducers/list.js';
import {notify, same, toList, type AppState, type Result} from '../../reducers/state.js';
import {logsScreen} from '../logs/screen.js';
import type {ScreenDefinition} from '../screen.js';

/** The number being typed for `s`: which service, the box, and why the last Enter was refused. */
export type ScaleQuestion = {service: string; field: TextField; error?: string};

/** The services of the swarm a manager is in, the selected one's tasks per node below them. */
export type ServicesScreen = {
	name: 'services';
	/** The manager they are read through. */
	machine: string;
	list: ListState;
	/** Where Esc goes: the screen the key was pressed on. */
	back: 'list' | 'details' | 'cluster';
	scaling?: ScaleQuestion;
};

export function servicesScreen(machine: string, back: ServicesScreen['back']): ServicesScreen {
	return {name: 'services', machine, list: initialListState, back};
}

export function selectedService(screen: ServicesScreen, rows: readonly ServiceRow[]): ServiceRow | undefined {
	const id = selectedKey(
		screen.list,
		rows.map(row => row.id),
	);
	return rows.find(row => row.id === id);
}

function withScreen(state: AppState, screen: ServicesScreen): Result {
	return same({...state, screen});
}

/** Typing the number: Enter scales in the background (the operations log shows it), Esc forgets it. */
function onScaleKey(state: AppState, screen: ServicesScreen, question: ScaleQuestion, key: Key, command: CommandName | undefined): Result {
	if (command === 'cancelScale') return withScreen(state, {...screen, scaling: undefined});
	if (command === 'confirmScale') {
		let replicas: number;
		try {
			replicas = parseReplicas(question.field.value);
		} catch (error) {
			return withScreen(state, {...screen, scaling: {...question, error: errorMessage(error)}});
		}

		return {
			state: notify({...state, screen: {...screen, scaling: undefined}}, `Scaling ${question.service} to ${replicas}… (o shows it)`),
			effects: [{type: 'scaleService', machine: screen.machine, service: question.service, replicas}],
		};
	}

	const field = editText(question.field, key);
	return field ? withScreen(state, {...screen, scaling: {service: question.service, field}}) : same(state);
}

function onServiceKey(state: AppState, screen: ServicesScreen, command: CommandName | undefined, row: ServiceRow | undefined): Result | undefined {
	if (command !== 'scaleService' && command !== 'serviceLogs') return undefined;
	if (!row) return same(notify(state, 'No service selected', 'danger'));
	if (command === 'serviceLogs') {
		return {
			state: {...state, screen: logsScreen(screen.machine, {kind: 'service', id: row.id, name: row.name}, screen)},
			effects: [{type: 'openServiceLogs', machine: screen.machine, service: row.id}],
		};
	}

	const refusal = whyNotScalable(row);
	if (refusal) return same(notify(state, refusal, 'danger'));
	return withScreen(state, {...screen, scaling: {service: row.name, field: {value: '', caret: 0}}});
}

function back(state: AppState, screen: ServicesScreen): AppState {
	if (screen.back === 'list') return toList(state);
	return {...state, screen: {name: screen.back, machine: screen.machine}};
}

/** A swarm's services, asked again at a beat while open (the view's poller); scale and logs act on the selected one. */
export const services: ScreenDefinition<ServicesScreen> = {
	title: screen => `services of ${screen.machine}'s swarm`,
	context: screen => (screen.scaling ? 'scale' : 'services'),
	machine: screen => screen.machine,
	onKey({state, screen, key, command, view}) {
		if (screen.scaling) return onScaleKey(state, screen, screen.scaling, key, command);
		const rows = view.serviceRows(screen.machine);
		const list = navigatedList(
			screen.list,
			command,
			rows.map(row => row.id),
		);
		if (list) return withScreen(state, {...screen, list});
		if (command === 'leaveServices') return same(back(state, screen));
		return onServiceKey(state, screen, command, selectedService(screen, rows));
	},
};
