import type {Key} from '../../input/keys.js';
import type {CommandName} from '../../keymap.js';
import {applyFormAction, caretAtEnd, formKey} from '../../reducers/form-keys.js';
import {commandLine, createRequest, formProblems, rememberedValues, type FormState} from '../../reducers/form.js';
import {jumpTo} from '../../reducers/list.js';
import {same, toList, type AppState, type AppView, type Result} from '../../reducers/state.js';
import type {ScreenDefinition} from '../screen.js';

export type CreateStep =
	| {name: 'picker'; drivers: readonly string[]; highlighted: number; problem?: string}
	/** The chosen driver's options are being read; keys typed meanwhile wait for the form. */
	| {name: 'loading'; drivers: readonly string[]; highlighted: number; driver: string; queued: Key[]}
	| {name: 'form'; form: FormState; caret: number}
	| {name: 'progress'; operationId: number; machine: string; command: string};

export type CreateScreen = {name: 'create'; step: CreateStep};

/** The driver choice, the preferred driver highlighted. */
export function createScreen(view: Pick<AppView, 'drivers' | 'defaultDriver'>): CreateScreen {
	const {drivers, defaultDriver} = view;
	const highlighted = defaultDriver && drivers.includes(defaultDriver) ? drivers.indexOf(defaultDriver) : 0;
	return {name: 'create', step: {name: 'picker', drivers, highlighted}};
}

function withStep(state: AppState, step: CreateStep): AppState {
	return {...state, screen: {name: 'create', step}};
}

type FormStep = Extract<CreateStep, {name: 'form'}>;

function onFormKey(state: AppState, step: FormStep, key: Key, command: CommandName | undefined, view: AppView): Result {
	const outcome = formKey(step, key, command);
	if (outcome.type === 'cancel') return same(toList(state));
	if (outcome.type === 'edit') return same(outcome.edit === step ? state : withStep(state, {name: 'form', ...outcome.edit}));
	const {form} = step;
	const problems = formProblems(form, {checkFile: view.checkFile, existingNames: view.names});
	if (Object.keys(problems).length > 0) return same(withStep(state, {name: 'form', ...applyFormAction(step, {type: 'attempt', problems})}));
	return {
		state,
		effects: [{type: 'create', request: createRequest(form), remember: rememberedValues(form), command: commandLine(form, view.program)}],
	};
}

function onPickerKey(state: AppState, step: Extract<CreateStep, {name: 'picker'}>, key: Key, command: CommandName | undefined): Result {
	const count = step.drivers.length;
	if (command === 'cancelPicker') return same(toList(state));
	let chosen: number | undefined;
	if (command === 'choose') chosen = step.highlighted;
	else if (command === 'chooseNumber' && Number(key.name) <= count) chosen = Number(key.name) - 1;
	if (chosen !== undefined) {
		const driver = step.drivers[chosen]!;
		return {
			state: withStep(state, {name: 'loading', drivers: step.drivers, highlighted: chosen, driver, queued: []}),
			effects: [{type: 'loadDriver', driver}],
		};
	}

	// The driver list wraps around at either end.
	const by = command === 'pickerUp' ? -1 : command === 'pickerDown' ? 1 : 0;
	const highlighted = by ? (step.highlighted + by + count) % count : command ? undefined : jumpTo(step.drivers, step.highlighted, key.text);
	return highlighted === undefined ? same(state) : same(withStep(state, {...step, highlighted}));
}

/** The step a driver's answer is for, if the screen still waits for that driver. */
function loadingFor(screen: CreateScreen, driver: string): Extract<CreateStep, {name: 'loading'}> | undefined {
	return screen.step.name === 'loading' && screen.step.driver === driver ? screen.step : undefined;
}

/**
 * Guided create: a driver, then a form generated from its options, then the create running in
 * the background with its log.
 */
export const create: ScreenDefinition<CreateScreen> = {
	title: () => 'new machine',
	context: ({step}) => (step.name === 'loading' ? 'picker' : step.name),
	onKey({state, screen: {step}, key, command, view}) {
		switch (step.name) {
			case 'picker': {
				return onPickerKey(state, step, key, command);
			}

			case 'loading': {
				return same(withStep(state, {...step, queued: [...step.queued, key]}));
			}

			case 'form': {
				return onFormKey(state, step, key, command, view);
			}

			case 'progress': {
				if (command !== 'leaveProgress') return same(state);
				const done = view.operations.some(operation => operation.id === step.operationId && operation.state === 'done');
				return same(toList(state, done ? step.machine : undefined, view));
			}
		}
	},
	onAction({state, screen, action, replay}) {
		switch (action.type) {
			case 'driverLoaded': {
				const loading = loadingFor(screen, action.driver);
				// The keys typed while the form was on its way are the form's, in order.
				return loading && replay(withStep(state, {name: 'form', form: action.form, caret: caretAtEnd(action.form)}), loading.queued);
			}

			case 'driverFailed': {
				const loading = loadingFor(screen, action.driver);
				return loading && same(withStep(state, {name: 'picker', drivers: loading.drivers, highlighted: loading.highlighted, problem: action.problem}));
			}

			case 'createStarted': {
				return same(withStep(state, {name: 'progress', operationId: action.operationId, machine: action.machine, command: action.command}));
			}

			default: {
				return undefined;
			}
		}
	},
};
