import {resizeRequestFrom} from '../../../engine/index.js';
import {applyFormAction, caretAtEnd, formKey, type FormEdit} from '../../reducers/form-keys.js';
import {changedValues, formProblems} from '../../reducers/form.js';
import {refuseBusy} from '../../reducers/machine.js';
import {notify, same, toList, type AppState, type Result} from '../../reducers/state.js';
import type {ScreenDefinition} from '../screen.js';

export type SetStep =
	/** The machine's size is being read from its record. */
	{name: 'loading'} | ({name: 'form'; note?: string} & FormEdit);

/** `set` as a form: a local VM's CPUs, memory and disk, from the list or its details screen. */
export type SetScreen = {name: 'set'; machine: string; from: 'list' | 'details'; step: SetStep};

function withStep(state: AppState, screen: SetScreen, step: SetStep): AppState {
	return {...state, screen: {...screen, step}};
}

/** Back where the form was opened from. */
function back(state: AppState, screen: SetScreen): AppState {
	return screen.from === 'details' ? {...state, screen: {name: 'details', machine: screen.machine}} : toList(state);
}

/** The form's answer: the sizes changed (and whether to restart), or the problems to show. */
function submit(state: AppState, screen: SetScreen, step: Extract<SetStep, {name: 'form'}>, problems: Record<string, string>): AppState | Result {
	if (Object.keys(problems).length > 0) return withStep(state, screen, {...step, ...applyFormAction(step, {type: 'attempt', problems})});
	const request = resizeRequestFrom(changedValues(step.form));
	if (request.cpus === undefined && request.memoryMb === undefined && request.diskSizeMb === undefined) {
		return withStep(state, screen, {...step, note: 'Nothing to change: give another number of CPUs, memory or disk size'});
	}

	// The details screen shows the operation's log as it runs.
	return {
		state: notify({...state, screen: {name: 'details', machine: screen.machine}}, `Resizing ${screen.machine}…`),
		effects: [{type: 'resize', machine: screen.machine, request}],
	};
}

export const set: ScreenDefinition<SetScreen> = {
	title: screen => `${screen.machine}: size`,
	context: () => 'form',
	machine: screen => screen.machine,
	onKey({state, screen, key, command, view}) {
		const {step} = screen;
		if (step.name === 'loading') return same(command === 'cancelForm' ? back(state, screen) : state);
		const outcome = formKey(step, key, command);
		if (outcome.type === 'cancel') return same(back(state, screen));
		if (outcome.type === 'edit') return same(outcome.edit === step ? state : withStep(state, screen, {name: 'form', ...outcome.edit}));
		const busy = refuseBusy(state, view, screen.machine);
		if (busy) return same(busy);
		const answer = submit(state, screen, step, formProblems(step.form, {checkFile: view.checkFile, existingNames: []}));
		return 'effects' in answer ? answer : same(answer);
	},
	onAction({state, screen, action}) {
		if (screen.step.name !== 'loading' || !('machine' in action) || action.machine !== screen.machine) return undefined;
		if (action.type === 'sizeLoaded') return same(withStep(state, screen, {name: 'form', form: action.form, caret: caretAtEnd(action.form)}));
		if (action.type === 'sizeFailed') return same(notify(back(state, screen), action.problem, 'danger'));
		return undefined;
	},
};
