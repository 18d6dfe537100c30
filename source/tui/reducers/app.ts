import type {CreateRequest, Operation, OperationKind, OptionValue} from '../../engine/index.js';
import {shellNames, type ShellName} from '../../format/env.js';
import type {EnvDialogProps} from '../components/EnvDialog.js';
import type {Toast} from '../components/StatusLine.js';
import {editText, typedText} from '../input/text-field.js';
import type {Key} from '../input/keys.js';
import {commandFor, type CommandName, type Context} from '../keymap.js';
import {operationVerbs} from '../labels.js';
import {commandLine, createRequest, formProblems, formReducer, formRows, rememberedValues, type FormAction, type FormState} from './form.js';
import {initialListState, jumpTo, listReducer, selectedKey, type ListAction, type ListState} from './list.js';

/**
 * The app's screens, overlays and modes as one pure reducer: (state, key or event, what the
 * app sees now) → the next state and the effects to run. Keys are applied one at a time, each
 * in the mode the previous one left, so a read holding several keys (`/` and a name, `jjk`) is
 * taken as the user typed it, whenever React gets to draw.
 */

export type MachineOperation = Exclude<OperationKind, 'create' | 'set'>;

export type SwarmOperation = Extract<MachineOperation, 'swarm-init' | 'swarm-join' | 'swarm-leave'>;

export type CreateStep =
	| {name: 'picker'; drivers: readonly string[]; highlighted: number; problem?: string}
	/** The chosen driver's options are being read; keys typed meanwhile wait for the form. */
	| {name: 'loading'; drivers: readonly string[]; highlighted: number; driver: string; queued: Key[]}
	| {name: 'form'; form: FormState; caret: number}
	| {name: 'progress'; operationId: number; machine: string; command: string};

export type Screen =
	{name: 'list'} | {name: 'details'; machine: string} | {name: 'cluster'; machine: string} | {name: 'operations'} | {name: 'create'; step: CreateStep};

/** Work the reducer asks for; the app runs these (services, timers, the terminal). */
export type Effect =
	| {type: 'exit'}
	| {type: 'run'; kind: Exclude<MachineOperation, SwarmOperation>; machine: string}
	/** `manager` is the swarm to join, for swarm-join. */
	| {type: 'swarm'; kind: SwarmOperation; machine: string; manager?: string}
	| {type: 'ssh'; machine: string}
	| {type: 'copyEnv'; machine: string; shell: ShellName; request: number}
	| {type: 'rememberShell'; shell: ShellName}
	| {type: 'dockerContext'; machine: string}
	| {type: 'refresh'}
	| {type: 'dismiss'; id: number}
	| {type: 'loadDriver'; driver: string}
	| {type: 'create'; request: CreateRequest; remember: Record<string, OptionValue>; command: string};

/** What is drawn over the current screen, and takes the keys while it is there. */
export type Overlay =
	| {kind: 'help'; from: Context; scroll: number}
	| {kind: 'confirm'; question: string; onYes: Effect}
	| ({kind: 'env'} & Omit<EnvDialogProps, 'inTmux'>)
	| {kind: 'message'; title: string; text: string}
	/** The managers a machine can join, to pick one. */
	| {kind: 'managers'; machine: string; managers: string[]; index: number};

export type AppState = {
	screen: Screen;
	list: ListState;
	operationList: ListState;
	overlay?: Overlay;
	toast?: Toast;
	/** Counts dialogs opened and closed: an answer for one that is gone is dropped. */
	dialog: number;
	/** A program (ssh) has the terminal; keys are not the app's meanwhile. */
	handoff?: {machine: string; binary: string; args: string[]};
};

export const initialAppState: AppState = {screen: {name: 'list'}, list: initialListState, operationList: initialListState, dialog: 0};

/** What the app sees at the moment a key is handled. */
export type AppView = {
	/** Machine names in list order. */
	names: readonly string[];
	/** Each machine's SWARM column (`mgr1 (leader)`, …), by name. */
	swarm: (machine: string) => string;
	/** Operations in the order they started. */
	operations: ReadonlyArray<Pick<Operation, 'id' | 'kind' | 'machine' | 'state'>>;
	/** How far the help overlay scrolls at the current terminal size. */
	helpMaxScroll: (from: Context) => number;
	drivers: readonly string[];
	defaultDriver?: string;
	envShell: ShellName;
	program: string;
	checkFile: (file: string) => string | undefined;
};

export type AppAction =
	| {type: 'key'; key: Key}
	/** The machine rows changed. */
	| {type: 'rows'}
	| {type: 'toast'; toast: Toast}
	/** A toast's time is up (a newer one stays). */
	| {type: 'toastExpired'; toast: Toast}
	| {type: 'confirm'; question: string; onYes: Effect}
	/** The answer for a dialog: shown only if that dialog is still open. */
	| {type: 'dialogAnswer'; request: number; overlay: Overlay; toast?: Toast}
	| {type: 'failure'; title: string; text: string}
	| {type: 'driverLoaded'; driver: string; form: FormState}
	| {type: 'driverFailed'; driver: string; problem: string}
	| {type: 'createStarted'; operationId: number; machine: string; command: string}
	| {type: 'handOff'; machine: string; binary: string; args: string[]}
	| {type: 'handOffEnded'; toast: Toast};

export type Result = {state: AppState; effects: Effect[]};

const navigation: Partial<Record<CommandName, ListAction>> = {
	up: {type: 'move', by: -1},
	down: {type: 'move', by: 1},
	first: {type: 'first'},
	last: {type: 'last'},
};

const operationCommands: Partial<Record<CommandName, MachineOperation>> = {
	start: 'start',
	stop: 'stop',
	restart: 'restart',
	kill: 'kill',
	provision: 'provision',
	regenerateCerts: 'regenerate-certs',
	remove: 'rm',
	swarmInit: 'swarm-init',
	swarmLeave: 'swarm-leave',
};

/** Destructive operations ask first, in docker-machine's words where it asked. */
const questions: Partial<Record<MachineOperation, (machine: string) => string>> = {
	kill: machine => `Kill ${machine}? It is powered off at once, without shutting down.`,
	'regenerate-certs': machine => `Regenerate the certificates of ${machine}? This restarts its Docker daemon, which may stop running containers.`,
	rm: machine => `About to remove ${machine}. This deletes both the local reference and the remote instance. Are you sure?`,
	'swarm-leave': machine => `Take ${machine} out of its swarm? Its tasks move to other nodes.`,
};

const swarmOperations = new Set<MachineOperation>(['swarm-init', 'swarm-join', 'swarm-leave']);

function isSwarmOperation(kind: MachineOperation): kind is SwarmOperation {
	return swarmOperations.has(kind);
}

/** Machines another can join: those whose SWARM column names a manager role. */
export function managerNames(view: Pick<AppView, 'names' | 'swarm'>, machine: string): string[] {
	return view.names.filter(name => name !== machine && /\((leader|manager)\)$/.test(view.swarm(name)));
}

function busyWith(view: AppView, machine: string): AppView['operations'][number] | undefined {
	return view.operations.find(operation => operation.machine === machine && operation.state === 'running');
}

const same = (state: AppState): Result => ({state, effects: []});

/** Which keys apply now: the overlay's, else the screen's (and its mode's). */
export function contextOf(state: AppState): Context {
	const {overlay, screen} = state;
	if (overlay) return overlay.kind === 'message' ? 'dialog' : overlay.kind;
	if (screen.name === 'create') return screen.step.name === 'loading' ? 'picker' : screen.step.name;
	if (screen.name === 'list') return state.list.filtering ? 'filter' : 'list';
	return screen.name;
}

export function selectedMachine(state: AppState, view: AppView): string | undefined {
	return selectedKey(state.list, view.names);
}

/** The operations view lists the newest first. */
export function operationKeys(operations: AppView['operations']): string[] {
	return operations.map(operation => String(operation.id)).toReversed();
}

function notify(state: AppState, text: string, tone: Toast['tone'] = 'info'): AppState {
	return {...state, toast: {text, tone}};
}

function closeDialog(state: AppState): AppState {
	return {...state, overlay: undefined, dialog: state.dialog + 1};
}

function openEnv(state: AppState, machine: string, shell: ShellName): Result {
	const dialog = state.dialog + 1;
	return {state: {...state, dialog, overlay: {kind: 'env', machine, shell}}, effects: [{type: 'copyEnv', machine, shell, request: dialog}]};
}

function toList(state: AppState, created?: string, view?: AppView): AppState {
	const list = created && view ? listReducer(state.list, {type: 'select', key: created}, view.names) : state.list;
	return {...state, screen: {name: 'list'}, list};
}

function onMachine(state: AppState, command: CommandName, machine: string, view: AppView): Result {
	const kind = operationCommands[command];
	if (kind) {
		const busy = busyWith(view, machine);
		if (busy) return same(notify(state, `${machine} is busy (${operationVerbs[busy.kind]}); wait for it, or see o`, 'danger'));
		const question = questions[kind];
		const run: Effect = isSwarmOperation(kind) ? {type: 'swarm', kind, machine} : {type: 'run', kind, machine};
		return question ? same({...state, overlay: {kind: 'confirm', question: question(machine), onYes: run}}) : {state, effects: [run]};
	}

	switch (command) {
		case 'ssh': {
			return {state: notify(state, `Connecting to ${machine}…`), effects: [{type: 'ssh', machine}]};
		}

		case 'copyEnv': {
			return openEnv(state, machine, view.envShell);
		}

		case 'dockerContext': {
			return {state: notify(state, `Writing a Docker context for ${machine}…`), effects: [{type: 'dockerContext', machine}]};
		}

		case 'swarmJoin': {
			const managers = managerNames(view, machine);
			if (managers.length === 0) return same(notify(state, 'No machine is a swarm manager yet: press i on one to init a swarm', 'danger'));
			return same({...state, overlay: {kind: 'managers', machine, managers, index: 0}});
		}

		default: {
			return same(state);
		}
	}
}

function isMachineCommand(command: CommandName): boolean {
	return operationCommands[command] !== undefined || command === 'ssh' || command === 'copyEnv' || command === 'dockerContext' || command === 'swarmJoin';
}

/** The machine a details or cluster screen is about. */
function screenMachine(screen: Screen): string | undefined {
	return screen.name === 'details' || screen.name === 'cluster' ? screen.machine : undefined;
}

/** What confirming runs, and what it changes on screen: a removed machine's screens close. */
function confirmed(state: AppState, effect: Effect): Result {
	const closed = {...state, overlay: undefined};
	const leaving = effect.type === 'run' && effect.kind === 'rm' && screenMachine(state.screen) === effect.machine;
	return {state: leaving ? {...closed, screen: {name: 'list'}} : closed, effects: [effect]};
}

function onOverlayKey(state: AppState, overlay: Overlay, key: Key, view: AppView): Result {
	const command = commandFor(contextOf(state), key.name);
	switch (overlay.kind) {
		case 'help': {
			const action = command ? navigation[command] : undefined;
			if (command === 'closeHelp') return same({...state, overlay: undefined});
			if (!action) return same(state);
			const max = view.helpMaxScroll(overlay.from);
			const scroll = action.type === 'move' ? overlay.scroll + action.by : action.type === 'first' ? 0 : max;
			return same({...state, overlay: {...overlay, scroll: Math.min(Math.max(scroll, 0), max)}});
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
				const busy = busyWith(view, overlay.machine);
				if (busy) return same(notify(closed, `${overlay.machine} is busy (${operationVerbs[busy.kind]}); wait for it, or see o`, 'danger'));
				return {state: closed, effects: [{type: 'swarm', kind: 'swarm-join', machine: overlay.machine, manager}]};
			}

			const action = command ? navigation[command] : undefined;
			if (!action) {
				const index = jumpTo(overlay.managers, overlay.index, key.text);
				return same(index === undefined ? state : {...state, overlay: {...overlay, index}});
			}

			const last = overlay.managers.length - 1;
			const index = action.type === 'move' ? overlay.index + action.by : action.type === 'first' ? 0 : last;
			return same({...state, overlay: {...overlay, index: Math.min(Math.max(index, 0), last)}});
		}
	}
}

function withStep(state: AppState, step: CreateStep): AppState {
	return {...state, screen: {name: 'create', step}};
}

function caretAtEnd(form: FormState): number {
	const row = formRows(form)[form.focus];
	const value = row?.kind === 'field' ? form.values[row.field.spec.name] : undefined;
	return typeof value === 'string' ? [...value].length : 0;
}

function onFormKey(state: AppState, step: Extract<CreateStep, {name: 'form'}>, key: Key, view: AppView): Result {
	const {form} = step;
	const rows = formRows(form);
	const focused = rows[form.focus];
	const textField = focused?.kind === 'field' && focused.field.spec.type !== 'bool' ? focused.field.spec.name : undefined;
	const apply = (action: FormAction): Result => {
		const next = formReducer(form, action);
		return same(withStep(state, {name: 'form', form: next, caret: next.focus === form.focus ? step.caret : caretAtEnd(next)}));
	};

	const command = commandFor('form', key.name);
	switch (command) {
		case 'nextField': {
			return apply({type: 'move', by: 1});
		}

		case 'previousField': {
			return apply({type: 'move', by: -1});
		}

		case 'enterField': {
			if (focused?.kind === 'fold') return apply({type: 'toggle'});
			if (focused?.kind !== 'submit') return apply({type: 'move', by: 1});
			const problems = formProblems(form, {checkFile: view.checkFile, existingNames: view.names});
			if (Object.keys(problems).length > 0) return apply({type: 'attempt', problems});
			return {
				state,
				effects: [{type: 'create', request: createRequest(form), remember: rememberedValues(form), command: commandLine(form, view.program)}],
			};
		}

		case 'cancelForm': {
			return same(toList(state));
		}

		// On a text box the space is typed into it.
		case 'toggle': {
			if (!textField) return apply({type: 'toggle'});
			break;
		}

		default: {
			break;
		}
	}

	if (!textField) return same(state);
	const edited = editText({value: String(form.values[textField]), caret: step.caret}, key);
	if (!edited) return same(state);
	const next = edited.value === form.values[textField] ? form : formReducer(form, {type: 'edit', name: textField, value: edited.value});
	return same(withStep(state, {name: 'form', form: next, caret: edited.caret}));
}

function onCreateKey(state: AppState, step: CreateStep, key: Key, view: AppView): Result {
	switch (step.name) {
		case 'picker': {
			const count = step.drivers.length;
			const command = commandFor('picker', key.name);
			if (command === 'cancelPicker') return same(toList(state));
			let chosen: number | undefined;
			if (command === 'choose') chosen = step.highlighted;
			else if (/^[1-9]$/.test(key.name) && Number(key.name) <= count) chosen = Number(key.name) - 1;
			if (chosen !== undefined) {
				const driver = step.drivers[chosen]!;
				return {
					state: withStep(state, {name: 'loading', drivers: step.drivers, highlighted: chosen, driver, queued: []}),
					effects: [{type: 'loadDriver', driver}],
				};
			}

			// The driver list wraps around at either end.
			const by = {up: -1, k: -1, down: 1, j: 1}[key.name];
			const highlighted = by ? (step.highlighted + by + count) % count : jumpTo(step.drivers, step.highlighted, key.text);
			return highlighted === undefined ? same(state) : same(withStep(state, {...step, highlighted}));
		}

		case 'loading': {
			return same(withStep(state, {...step, queued: [...step.queued, key]}));
		}

		case 'form': {
			return onFormKey(state, step, key, view);
		}

		case 'progress': {
			if (commandFor('progress', key.name) !== 'leaveProgress') return same(state);
			const done = view.operations.some(operation => operation.id === step.operationId && operation.state === 'done');
			return same(toList(state, done ? step.machine : undefined, view));
		}
	}
}

function onListKey(state: AppState, command: CommandName | undefined, view: AppView): Result {
	if (!command) return same(state);
	const {screen} = state;
	const move = navigation[command];
	if (move) {
		if (screen.name === 'operations') return same({...state, operationList: listReducer(state.operationList, move, operationKeys(view.operations))});
		return same({...state, list: listReducer(state.list, move, view.names)});
	}

	const selected = selectedMachine(state, view);
	const target = screenMachine(screen) ?? selected;
	if (target && isMachineCommand(command)) return onMachine(state, command, target, view);

	switch (command) {
		case 'details': {
			return same(selected ? {...state, screen: {name: 'details', machine: selected}} : state);
		}

		case 'cluster': {
			return same(target ? {...state, screen: {name: 'cluster', machine: target}} : state);
		}

		case 'create': {
			const {drivers, defaultDriver} = view;
			const highlighted = defaultDriver && drivers.includes(defaultDriver) ? drivers.indexOf(defaultDriver) : 0;
			return same(withStep(state, {name: 'picker', drivers, highlighted}));
		}

		case 'filter': {
			return same({...state, list: listReducer(state.list, {type: 'startFilter'}, view.names)});
		}

		case 'unfilter': {
			return same({...state, list: listReducer(state.list, {type: 'clearFilter'}, view.names)});
		}

		case 'operations': {
			return same({...state, screen: {name: 'operations'}});
		}

		case 'refresh': {
			return {state: notify(state, 'Asking every machine…'), effects: [{type: 'refresh'}]};
		}

		case 'back':
		case 'leaveOperations': {
			return same({...state, screen: {name: 'list'}});
		}

		case 'dismiss': {
			const selectedId = selectedKey(state.operationList, operationKeys(view.operations));
			const operation = view.operations.find(candidate => String(candidate.id) === selectedId);
			if (operation?.state === 'running') return same(notify(state, 'It is still running; finished ones can be dismissed', 'danger'));
			return operation ? {state, effects: [{type: 'dismiss', id: operation.id}]} : same(state);
		}

		case 'help': {
			return same({...state, overlay: {kind: 'help', from: contextOf(state), scroll: 0}});
		}

		case 'quit': {
			const running = view.operations.filter(operation => operation.state === 'running');
			if (running.length === 0) return {state, effects: [{type: 'exit'}]};
			const what = running.map(operation => `${operation.kind} ${operation.machine}`).join(', ');
			return same({
				...state,
				overlay: {kind: 'confirm', question: `Quit? Still running: ${what}. They stop when machinist does.`, onYes: {type: 'exit'}},
			});
		}

		default: {
			return same(state);
		}
	}
}

function onFilterKey(state: AppState, key: Key, view: AppView): Result {
	const command = commandFor('filter', key.name);
	const change = (action: ListAction) => same({...state, list: listReducer(state.list, action, view.names)});
	if (command === 'keepFilter') return change({type: 'keepFilter'});
	if (command === 'clearFilter') return change({type: 'clearFilter'});
	if (key.name === 'backspace') return change({type: 'eraseFilter'});
	const text = key.text === undefined ? '' : typedText(key.text);
	return text === '' ? same(state) : change({type: 'typeFilter', text});
}

export function onKey(state: AppState, key: Key, view: AppView): Result {
	// Ctrl-C during a hand-off is the program's (ssh's), not ours.
	if (state.handoff) return same(state);
	if (key.name === 'ctrl+c') return {state, effects: [{type: 'exit'}]};
	const context = contextOf(state);
	if (state.overlay) return onOverlayKey(state, state.overlay, key, view);
	if (state.screen.name === 'create') return onCreateKey(state, state.screen.step, key, view);
	if (context === 'filter') return onFilterKey(state, key, view);
	return onListKey(state, commandFor(context, key.name), view);
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

		case 'driverLoaded': {
			const {screen} = state;
			if (screen.name !== 'create' || screen.step.name !== 'loading' || screen.step.driver !== action.driver) return same(state);
			// The keys typed while the form was on its way are the form's, in order.
			return onKeys(withStep(state, {name: 'form', form: action.form, caret: caretAtEnd(action.form)}), screen.step.queued, view);
		}

		case 'driverFailed': {
			const {screen} = state;
			if (screen.name !== 'create' || screen.step.name !== 'loading' || screen.step.driver !== action.driver) return same(state);
			return same(withStep(state, {name: 'picker', drivers: screen.step.drivers, highlighted: screen.step.highlighted, problem: action.problem}));
		}

		case 'createStarted': {
			const {screen} = state;
			if (screen.name !== 'create') return same(state);
			return same(withStep(state, {name: 'progress', operationId: action.operationId, machine: action.machine, command: action.command}));
		}

		case 'handOff': {
			return same({...state, handoff: {machine: action.machine, binary: action.binary, args: action.args}});
		}

		case 'handOffEnded': {
			return same({...state, handoff: undefined, toast: action.toast});
		}
	}
}
