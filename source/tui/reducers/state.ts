import type {
	ContainerAction,
	ContainerTable,
	CreateRequest,
	LogLine,
	Operation,
	OperationKind,
	OptionValue,
	ResizeRequest,
	ServiceRow,
} from '../../engine/index.js';
import type {ShellName} from '../../format/env.js';
import type {CopyReport} from '../clipboard.js';
import type {Key} from '../input/keys.js';
import type {Context} from '../keymap.js';
import type {Screen} from '../screens/registry.js';
import type {FormState} from './form.js';
import {initialListState, listReducer, selectedKey, type ListState} from './list.js';

/**
 * The app's state and what changes it, as plain data: no view is imported here or anywhere the
 * reducers reach (the architecture test checks), so the views depend on the state, never back.
 */

export type MachineOperation = Exclude<OperationKind, 'create' | 'set' | 'service-scale' | `container-${string}`>;

export type SwarmOperation = Extract<MachineOperation, 'swarm-init' | 'swarm-join' | 'swarm-leave'>;

export type Tone = 'info' | 'success' | 'danger';

export type Toast = {text: string; tone: Tone};

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
	| {type: 'create'; request: CreateRequest; remember: Record<string, OptionValue>; command: string}
	/** Reads a local VM's size for the set form. */
	| {type: 'loadSize'; machine: string; driver: string}
	| {type: 'resize'; machine: string; request: ResizeRequest}
	| {type: 'containerAction'; machine: string; id: string; name: string; action: ContainerAction; force?: boolean}
	| {type: 'containerShell'; machine: string; id: string; name: string}
	/** The logs screen's stream: opened with it, closed when it closes. */
	| {type: 'openLogs'; machine: string; id: string}
	/** The same for a swarm service, read through the manager `machine`. */
	| {type: 'openServiceLogs'; machine: string; service: string}
	| {type: 'closeLogs'}
	/** `docker service scale SERVICE=REPLICAS` through the manager `machine`, in the background. */
	| {type: 'scaleService'; machine: string; service: string; replicas: number};

/** The env dialog: the exports copied for one machine and shell, or why there are none. */
export type EnvOverlay = {kind: 'env'; machine: string; shell: ShellName; text?: string; error?: string; report?: CopyReport};

/** What is drawn over the current screen, and takes the keys while it is there. */
export type Overlay =
	| {kind: 'help'; from: Context; scroll: number}
	| {kind: 'confirm'; question: string; onYes: Effect}
	| EnvOverlay
	| {kind: 'message'; title: string; text: string}
	/** The managers a machine can join, to pick one. */
	| {kind: 'managers'; machine: string; managers: string[]; index: number};

export type {Screen} from '../screens/registry.js';

export type AppState = {
	screen: Screen;
	list: ListState;
	operationList: ListState;
	overlay?: Overlay;
	toast?: Toast;
	/** Counts dialogs opened and closed: an answer for one that is gone is dropped. */
	dialog: number;
	/** A program (ssh, docker exec) has the terminal; keys are not the app's meanwhile. `what` names it for the toast after. */
	handoff?: {machine: string; binary: string; args: string[]; what?: string};
};

export const initialAppState: AppState = {screen: {name: 'list'}, list: initialListState, operationList: initialListState, dialog: 0};

/** What the app sees at the moment a key is handled. */
export type AppView = {
	/** Machine names in list order. */
	names: readonly string[];
	/** Each machine's driver name, by name (`none` while unknown). */
	driverOf: (machine: string) => string;
	/** Each machine's SWARM column (`mgr1 (leader)`, …), by name. */
	swarm: (machine: string) => string;
	/** Operations in the order they started. */
	operations: ReadonlyArray<Pick<Operation, 'id' | 'kind' | 'machine' | 'container' | 'state'>>;
	/** How far the help overlay scrolls at the current terminal size. */
	helpMaxScroll: (from: Context) => number;
	drivers: readonly string[];
	defaultDriver?: string;
	envShell: ShellName;
	program: string;
	checkFile: (file: string) => string | undefined;
	/** Each watched machine's containers, as the watcher last reported them. */
	containers: () => readonly ContainerTable[];
	/** The services of the swarm `machine` manages, as last asked (the services screen's). */
	serviceRows: (machine: string) => readonly ServiceRow[];
	/** The lines of the logs screen's container or service kept so far, oldest first. */
	logLines: () => readonly LogLine[];
	/** How many lines a screen's body has now (a page of logs). */
	pageHeight: () => number;
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
	| {type: 'sizeLoaded'; machine: string; form: FormState}
	| {type: 'sizeFailed'; machine: string; problem: string}
	| {type: 'createStarted'; operationId: number; machine: string; command: string}
	| {type: 'handOff'; machine: string; binary: string; args: string[]; what?: string}
	/** The watched containers changed. */
	| {type: 'containers'}
	| {type: 'handOffEnded'; toast: Toast};

export type Result = {state: AppState; effects: Effect[]};

export const same = (state: AppState): Result => ({state, effects: []});

export function notify(state: AppState, text: string, tone: Tone = 'info'): AppState {
	return {...state, toast: {text, tone}};
}

export function selectedMachine(state: AppState, view: Pick<AppView, 'names'>): string | undefined {
	return selectedKey(state.list, view.names);
}

/** Back to the machine list; a machine just created is selected there. */
export function toList(state: AppState, created?: string, view?: AppView): AppState {
	const list = created && view ? listReducer(state.list, {type: 'select', key: created}, view.names) : state.list;
	return {...state, screen: {name: 'list'}, list};
}

/** The operation already running on a machine, if one is. */
export function busyWith(view: AppView, machine: string): AppView['operations'][number] | undefined {
	return view.operations.find(operation => operation.machine === machine && operation.container === undefined && operation.state === 'running');
}
