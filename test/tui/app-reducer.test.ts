import test from 'ava';
import {resizeFormOptions, type OptionSpec} from '../../source/engine/index.js';
import {keysOf} from '../../source/tui/input/keys.js';
import {appReducer, contextOf, initialAppState, onKeys, selectedMachine, type AppState, type AppView, type Effect} from '../../source/tui/reducers/app.js';
import {buildForm} from '../../source/tui/reducers/form.js';
import {appView} from './harness.js';

const address: OptionSpec = {name: 'ip-address', type: 'string', description: 'address', required: 'the address is required', format: 'ip'};
const fast: OptionSpec = {name: 'fast', type: 'bool', description: 'fast', default: false};

function view(overrides: Partial<AppView> = {}): AppView {
	return appView({
		names: Array.from({length: 40}, (_, index) => `m${String(index).padStart(2, '0')}`),
		helpMaxScroll: () => 7,
		drivers: ['amazonec2', 'generic', 'none'],
		defaultDriver: 'generic',
		...overrides,
	});
}

/** The state and effects after typing `input` as one read. */
function typed(input: string, state: AppState = initialAppState, seen: AppView = view()) {
	return onKeys(state, keysOf(input), seen);
}

test('/ and a name typed in one read filter the list, with nothing lost', t => {
	const {state} = typed('/m1');
	t.true(state.list.filtering);
	t.is(state.list.filter, 'm1');
	t.is(selectedMachine(state, view()), 'm10', 'the first match is selected');
	t.is(contextOf(state), 'filter');
	const kept = typed('3\u007F5\r', state).state;
	t.is(kept.list.filter, 'm15');
	t.is(contextOf(kept), 'list', 'Enter keeps the filter and goes back to the list keys');
	t.is(selectedMachine(typed('j', kept).state, view()), 'm15', 'only one machine matches');
	t.is(typed('\u001B', kept).state.list.filter, '', 'Esc clears it');
});

test('thirty j then five k in one read land on row 25', t => {
	const {state} = typed(`${'j'.repeat(30)}${'k'.repeat(5)}`);
	t.is(selectedMachine(state, view()), 'm25');
	t.is(selectedMachine(typed('Gkkg\u001B[F', state).state, view()), 'm39');
});

test('a paste is text in a text box and nothing elsewhere', t => {
	t.deepEqual(typed('\u001B[200~dd\u001B[201~'), {state: initialAppState, effects: []}, 'pasted letters are not commands');
	const filtering = typed('/\u001B[200~m2\r\n\u001B[201~').state;
	t.is(filtering.list.filter, 'm2');
	t.true(filtering.list.filtering, 'a pasted line break does not end the filter');
});

test('d then y in one read removes the selected machine, and leaves its details', t => {
	const onDetails = typed('jj\r').state;
	t.deepEqual(onDetails.screen, {name: 'details', machine: 'm02'});
	const {state, effects} = typed('dy', onDetails);
	t.deepEqual(effects, [{type: 'run', kind: 'rm', machine: 'm02'}]);
	t.deepEqual(state.screen, {name: 'list'});
	t.is(state.overlay, undefined);
	const kept = typed('dn', onDetails);
	t.deepEqual(kept.effects, [], 'n answers no');
	t.deepEqual(kept.state.screen, onDetails.screen);
	t.deepEqual(typed('s', onDetails).effects, [{type: 'run', kind: 'start', machine: 'm02'}], 'start does not ask');
});

test('a busy machine says so instead of starting a second operation', t => {
	const busy = view({operations: [{id: 1, kind: 'restart', machine: 'm00', state: 'running'}]});
	const {state, effects} = typed('s', initialAppState, busy);
	t.deepEqual(effects, []);
	t.is(state.toast?.tone, 'danger');
	t.regex(state.toast?.text ?? '', /m00 is busy/);
});

test('q quits at once when nothing runs, and asks first when something does', t => {
	t.deepEqual(typed('q').effects, [{type: 'exit'}]);
	const busy = view({operations: [{id: 1, kind: 'restart', machine: 'm00', state: 'running'}]});
	const asked = typed('q', initialAppState, busy);
	t.deepEqual(asked.effects, []);
	t.regex(asked.state.overlay?.kind === 'confirm' ? asked.state.overlay.question : '', /Still running: restart m00/);
	t.deepEqual(typed('y', asked.state, busy).effects, [{type: 'exit'}]);
	t.deepEqual(typed('\u0003', asked.state, busy).effects, [{type: 'exit'}], 'Ctrl-C quits from a dialog too');
});

test("keys typed while the driver loads are the form's, in order; a name and Enter in one read fill the first field", t => {
	const picker = typed('n').state;
	t.is(contextOf(picker), 'picker');
	t.deepEqual(
		picker.screen,
		{name: 'create', step: {name: 'picker', drivers: ['amazonec2', 'generic', 'none'], highlighted: 1}},
		'the preferred driver first',
	);
	const wrapped = typed('jj', picker).state;
	t.like(wrapped.screen, {step: {highlighted: 0}}, 'the list wraps around');
	const chosen = typed('k\rfresh\r', wrapped);
	t.deepEqual(chosen.effects, [{type: 'loadDriver', driver: 'none'}]);
	const form = buildForm({driver: 'none', driverOptions: [address, fast], sharedOptions: [], env: {}});
	const loaded = appReducer(chosen.state, {type: 'driverLoaded', driver: 'none', form}, view());
	const {screen} = loaded.state;
	if (screen.name !== 'create' || screen.step.name !== 'form') throw new Error('no form');
	t.is(screen.step.form.values.name, 'fresh');
	t.is(screen.step.form.focus, 1, 'Enter went on to the next field');
	t.is(contextOf(loaded.state), 'form');
});

test('the form types into text boxes, ticks boxes with Space, and creates only when every field is right', t => {
	const form = buildForm({driver: 'none', driverOptions: [address, fast], sharedOptions: [], env: {}});
	const start: AppState = {...initialAppState, screen: {name: 'create', step: {name: 'form', form, caret: 0}}};
	const seen = view();
	const attempted = typed('web 1\u007F\u007F-1\u001B[B\u001B[B \r\r', start, seen);
	t.deepEqual(attempted.effects, [], 'the address is missing');
	const step = attempted.state.screen.name === 'create' ? attempted.state.screen.step : undefined;
	if (step?.name !== 'form') throw new Error('no form');
	t.like(step.form, {values: {name: 'web-1', fast: true}, attempted: true, focus: 1});
	const sent = typed('10.0.0.7\r\r\r', attempted.state, seen);
	t.deepEqual(sent.effects, [
		{
			type: 'create',
			request: {name: 'web-1', driverName: 'none', given: {'ip-address': '10.0.0.7', fast: true}},
			remember: {'ip-address': '10.0.0.7', fast: true},
			command: 'machinist create -d none --ip-address 10.0.0.7 --fast web-1',
		},
	] as Effect[]);
	const progress = appReducer(sent.state, {type: 'createStarted', operationId: 4, machine: 'web-1', command: 'c'}, seen).state;
	t.is(contextOf(progress), 'progress');
	const done = view({names: [...seen.names, 'web-1'], operations: [{id: 4, kind: 'create', machine: 'web-1', state: 'done'}]});
	const back = typed('\r', progress, done).state;
	t.deepEqual(back.screen, {name: 'list'});
	t.is(selectedMachine(back, done), 'web-1', 'the new machine is selected');
	t.deepEqual(typed('\u001B', start).state.screen, {name: 'list'}, 'Esc cancels');
});

test('an env answer for a dialog that was closed or replaced is dropped', t => {
	const opened = typed('c');
	t.deepEqual(opened.effects, [{type: 'copyEnv', machine: 'm00', shell: 'bash', request: 1}]);
	const tabbed = typed('\t', opened.state);
	t.deepEqual(tabbed.effects, [
		{type: 'rememberShell', shell: 'cmd'},
		{type: 'copyEnv', machine: 'm00', shell: 'cmd', request: 2},
	]);
	const late = appReducer(tabbed.state, {type: 'dialogAnswer', request: 1, overlay: {kind: 'env', machine: 'm00', shell: 'bash', text: 'old'}}, view());
	t.is(late.state, tabbed.state);
	const answered = appReducer(
		tabbed.state,
		{type: 'dialogAnswer', request: 2, overlay: {kind: 'env', machine: 'm00', shell: 'cmd', text: 'new'}},
		view(),
	).state;
	t.like(answered.overlay, {text: 'new'});
	const closed = typed('\u001B', tabbed.state).state;
	t.is(closed.overlay, undefined);
	t.is(
		appReducer(closed, {type: 'dialogAnswer', request: 2, overlay: {kind: 'env', machine: 'm00', shell: 'cmd', text: 'new'}}, view()).state.overlay,
		undefined,
	);
});

test('help scrolls within its length and closes; the operations view dismisses only finished ones', t => {
	const help = typed('?jjjjjjjjjjj').state;
	t.deepEqual(help.overlay, {kind: 'help', from: 'list', scroll: 7});
	t.is(typed('g?', help).state.overlay, undefined);

	const operations = view({
		operations: [
			{id: 1, kind: 'start', machine: 'm00', state: 'failed'},
			{id: 2, kind: 'stop', machine: 'm01', state: 'running'},
		],
	});
	const listed = typed('o', initialAppState, operations).state;
	t.is(contextOf(listed), 'operations');
	const running = typed('\r', listed, operations);
	t.deepEqual(running.effects, [], 'the newest, still running, stays');
	t.is(running.state.toast?.tone, 'danger');
	t.deepEqual(typed('j\r', listed, operations).effects, [{type: 'dismiss', id: 1}]);
	t.deepEqual(typed('\u001B', listed, operations).state.screen, {name: 'list'});
});

test("while ssh has the terminal, keys are not the app's", t => {
	const handingOff = appReducer(initialAppState, {type: 'handOff', machine: 'm00', binary: 'ssh', args: []}, view()).state;
	t.deepEqual(typed('jd\u0003', handingOff), {state: handingOff, effects: []}, "Ctrl-C is ssh's too");
	const back = appReducer(handingOff, {type: 'handOffEnded', toast: {text: 'ended', tone: 'info'}}, view()).state;
	t.is(selectedMachine(typed('j', back).state, view()), 'm01');
});

test('swarm keys: i inits, J picks a manager from the managers there are, L asks first, w opens the cluster view', t => {
	const roles: Record<string, string> = {m00: 'm00 (leader)', m01: 'm00 (manager)', m02: 'm00 (worker)'};
	const seen = view({swarm: machine => roles[machine] ?? ''});
	t.deepEqual(typed('jjji', initialAppState, seen).effects, [{type: 'swarm', kind: 'swarm-init', machine: 'm03'}]);

	const picking = typed('jjjJ', initialAppState, seen).state;
	t.deepEqual(picking.overlay, {kind: 'managers', machine: 'm03', managers: ['m00', 'm01'], index: 0});
	t.is(contextOf(picking), 'managers');
	// Down then Enter joins the second manager's swarm, and the dialog closes.
	const joined = typed('j\r', picking, seen);
	t.deepEqual(joined.effects, [{type: 'swarm', kind: 'swarm-join', machine: 'm03', manager: 'm01'}]);
	t.is(joined.state.overlay, undefined);
	t.is(typed('\u001B', picking, seen).state.overlay, undefined);

	const noManagers = typed('J');
	t.deepEqual(noManagers.effects, []);
	t.regex(noManagers.state.toast?.text ?? '', /No machine is a swarm manager yet/);

	const leaving = typed('jjL', initialAppState, seen);
	t.deepEqual(leaving.effects, []);
	t.is(leaving.state.overlay?.kind, 'confirm');
	t.deepEqual(typed('y', leaving.state, seen).effects, [{type: 'swarm', kind: 'swarm-leave', machine: 'm02'}]);

	const cluster = typed('w', initialAppState, seen).state;
	t.deepEqual(cluster.screen, {name: 'cluster', machine: 'm00'});
	// Machine keys act on the cluster view's machine; Esc goes back.
	t.is(typed('L', cluster, seen).state.overlay?.kind, 'confirm');
	t.deepEqual(typed('\u001B', cluster, seen).state.screen, {name: 'list'});
});

test('z on a local VM reads its size and opens the set form; Resize with nothing changed says so, Esc goes back', t => {
	const seen = view({driverOf: machine => (machine === 'm01' ? 'virtualbox' : 'none')});
	const opened = typed('j\rz', initialAppState, seen);
	t.deepEqual(opened.effects, [{type: 'loadSize', machine: 'm01', driver: 'virtualbox'}]);
	t.deepEqual(opened.state.screen, {name: 'set', machine: 'm01', from: 'details', step: {name: 'loading'}});
	t.deepEqual(typed('\u001B', opened.state, seen).state.screen, {name: 'details', machine: 'm01'}, 'Esc while it loads');

	const form = buildForm({
		driver: 'virtualbox',
		driverOptions: resizeFormOptions({cpus: 2, memoryMb: 2048, diskSizeMb: 20_000}),
		sharedOptions: [],
		env: {},
		named: false,
	});
	t.deepEqual(form.values, {cpus: '2', memory: '2048', 'disk-size': '20000', restart: false});
	const other = appReducer(opened.state, {type: 'sizeLoaded', machine: 'm02', form}, seen).state;
	t.is(other, opened.state, 'an answer for another machine is dropped');
	const loaded = appReducer(opened.state, {type: 'sizeLoaded', machine: 'm01', form}, seen).state;
	t.is(contextOf(loaded), 'form');
	const unchanged = typed('\t\t\t\t\r', loaded, seen);
	t.deepEqual(unchanged.effects, []);
	t.like(unchanged.state.screen, {name: 'set', step: {note: 'Nothing to change: give another number of CPUs, memory or disk size'}});
	const sent = typed('\t\t\u007F\u007F\u007F\u007F\u007F30000\t\t\r', loaded, seen);
	t.deepEqual(sent.effects, [{type: 'resize', machine: 'm01', request: {cpus: undefined, memoryMb: undefined, diskSizeMb: 30_000, restart: false}}]);
	t.deepEqual(sent.state.screen, {name: 'details', machine: 'm01'});

	const failed = appReducer(opened.state, {type: 'sizeFailed', machine: 'm01', problem: 'machine m01 is gone'}, seen).state;
	t.deepEqual(failed.screen, {name: 'details', machine: 'm01'});
	t.like(failed.toast, {text: 'machine m01 is gone', tone: 'danger'});
});
