import test from 'ava';
import {createOptionSpecs} from '../../source/engine/machines/create-options.js';
import type {OptionSpec} from '../../source/engine/options.js';
import {
	buildForm,
	commandLine,
	createRequest,
	fieldProblem,
	formProblems,
	formReducer,
	formRows,
	nameSpec,
	shownProblems,
	type FormState,
} from '../../source/tui/reducers/form.js';
import {initialListState, listReducer, scrollStart, selectedKey, type ListAction, type ListState} from '../../source/tui/reducers/list.js';

const names = ['alpha', 'beta', 'gamma', 'delta'];

function apply(actions: ListAction[], keys = names, state: ListState = initialListState): ListState {
	let current = state;
	for (const action of actions) current = listReducer(current, action, keys);
	return current;
}

test('the list cursor moves within bounds and jumps to either end', t => {
	t.is(selectedKey(initialListState, names), 'alpha');
	t.is(
		selectedKey(
			apply([
				{type: 'move', by: 1},
				{type: 'move', by: 1},
			]),
			names,
		),
		'gamma',
	);
	t.is(selectedKey(apply([{type: 'move', by: -1}]), names), 'alpha');
	t.is(selectedKey(apply([{type: 'move', by: 10}]), names), 'delta');
	t.is(selectedKey(apply([{type: 'last'}, {type: 'first'}]), names), 'alpha');
	t.is(selectedKey(initialListState, []), undefined);
});

test('the selection follows its key when rows reorder, and falls to the same place when it goes', t => {
	const onGamma = apply([{type: 'move', by: 2}]);
	t.is(selectedKey(onGamma, ['gamma', 'alpha', 'beta']), 'gamma');
	t.is(selectedKey(onGamma, ['alpha', 'beta', 'delta']), 'delta', 'the row now at its position');
	t.is(selectedKey(onGamma, ['alpha']), 'alpha');
	const pending = listReducer(initialListState, {type: 'select', key: 'epsilon'}, names);
	t.is(selectedKey(pending, [...names, 'epsilon']), 'epsilon', 'a machine being created is selected once it appears');
	const moved = listReducer(apply([{type: 'select', key: 'beta'}]), {type: 'sync'}, ['beta', 'alpha']);
	t.is(moved.index, 0);
	t.is(listReducer(moved, {type: 'sync'}, ['beta', 'alpha']), moved, 'no change, same object');
});

test('the filter matches names case-insensitively, keeps a matching selection, and clears', t => {
	const typed = apply([{type: 'move', by: 2}, {type: 'startFilter'}, {type: 'typeFilter', text: 'A'}]);
	t.true(typed.filtering);
	t.is(selectedKey(typed, names), 'gamma', 'gamma still matches');
	const narrowed = listReducer(typed, {type: 'typeFilter', text: 'l'}, names);
	t.is(narrowed.filter, 'Al');
	t.is(selectedKey(narrowed, names), 'alpha', 'the first match once the selection no longer matches');
	const others = apply([
		{type: 'typeFilter', text: 'TA'},
		{type: 'move', by: 1},
	]);
	t.is(selectedKey(others, names), 'delta', 'moves within the matches (beta, delta)');
	const erased = listReducer(narrowed, {type: 'eraseFilter'}, names);
	t.is(erased.filter, 'A');
	const kept = listReducer(narrowed, {type: 'keepFilter'}, names);
	t.false(kept.filtering);
	t.is(kept.filter, 'Al');
	const cleared = listReducer(kept, {type: 'clearFilter'}, names);
	t.is(cleared.filter, '');
	t.is(selectedKey(cleared, names), 'alpha');
	t.is(selectedKey(apply([{type: 'typeFilter', text: 'zzz'}]), names), undefined);
});

test('the list scrolls to keep the cursor in view', t => {
	t.is(scrollStart(3, 5, 10), 0);
	t.is(scrollStart(0, 50, 10), 0);
	t.is(scrollStart(20, 50, 10), 15);
	t.is(scrollStart(49, 50, 10), 40);
});

const port: OptionSpec = {name: 'ssh-port', type: 'int', description: 'port', default: 22, format: 'port'};
const address: OptionSpec = {name: 'ip-address', type: 'string', description: 'address', required: 'the address is required', format: 'ip', envVar: 'TEST_IP'};
const key: OptionSpec = {name: 'ssh-key', type: 'string', description: 'key', format: 'file'};
const tags: OptionSpec = {name: 'tag', type: 'string-list', description: 'tags', advanced: true};
const fast: OptionSpec = {name: 'fast', type: 'bool', description: 'fast', default: true};

function form(env: NodeJS.ProcessEnv = {}, remembered?: Record<string, string | number | boolean | string[]>): FormState {
	return buildForm({driver: 'test', driverOptions: [port, key, address, tags, fast], sharedOptions: createOptionSpecs, env, remembered});
}

const context = {checkFile: (file: string) => (file === '/present' ? undefined : `${file} does not exist`), existingNames: ['taken']};

function edit(state: FormState, name: string, value: string): FormState {
	return formReducer(state, {type: 'edit', name, value});
}

test('the form puts the name first, then required fields, then the rest; advanced ones fold away', t => {
	const state = form();
	t.deepEqual(
		formRows(state).map(row => (row.kind === 'field' ? row.field.spec.name : row.kind)),
		['name', 'ip-address', 'ssh-port', 'ssh-key', 'fast', 'fold', 'submit'],
	);
	const open = formReducer({...state, focus: 5}, {type: 'toggle'});
	const rows = formRows(open);
	t.true(rows.some(row => row.kind === 'field' && row.field.spec.name === 'tag'));
	t.true(
		rows.some(row => row.kind === 'field' && row.field.spec.name === 'engine-label'),
		'the shared create flags are there',
	);
	t.false(
		rows.some(row => row.kind === 'field' && row.field.spec.name === 'driver'),
		'the driver was chosen already',
	);
});

test('defaults, env vars and remembered values fill the form', t => {
	const state = form({TEST_IP: '10.0.0.9'}, {'ssh-port': 2222, tag: ['a', 'b']});
	t.is(state.values['ssh-port'], '2222');
	t.is(state.values['ip-address'], '10.0.0.9');
	t.is(state.values.tag, 'a,b');
	t.true(state.values.fast);
	t.is(state.values['engine-install-url'], 'https://get.docker.com');
	t.is(state.values.name, '');
});

test('fields are checked by their format: name rules, port range, address, file, required', t => {
	t.is(fieldProblem(nameSpec, 'bad name', context), 'use letters, digits, dots and dashes, starting with a letter or digit');
	t.is(fieldProblem(nameSpec, 'taken', context), 'a machine named taken exists already');
	t.is(fieldProblem(nameSpec, 'web-1.example', context), undefined);
	t.is(fieldProblem(nameSpec, '', context), 'a name is required');
	t.is(fieldProblem(port, '70000', context), 'a port is 1-65535');
	t.is(fieldProblem(port, 'x', context), 'invalid value "x" for --ssh-port: expected a whole number');
	t.is(fieldProblem(port, '2222', context), undefined);
	t.is(fieldProblem(address, '10.0.0.300', context), 'not an IP address or host name');
	t.is(fieldProblem(address, 'fd00::1', context), undefined);
	t.is(fieldProblem(address, 'host.example', context), undefined);
	t.is(fieldProblem(address, '', context), 'the address is required');
	t.is(fieldProblem(key, '/missing', context), '/missing does not exist');
	t.is(fieldProblem(key, '/present', context), undefined);
	t.is(fieldProblem(key, '', context), undefined, 'optional and empty is fine');
});

test('problems show while typing only for touched fields, and all after a submit', t => {
	let state = form();
	t.deepEqual(shownProblems(state, formProblems(state, context)), {});
	state = edit(state, 'ssh-port', '0');
	t.deepEqual(shownProblems(state, formProblems(state, context)), {'ssh-port': 'a port is 1-65535'});
	const problems = formProblems(state, context);
	const attempted = formReducer(state, {type: 'attempt', problems});
	t.deepEqual(Object.keys(shownProblems(attempted, problems)).sort(), ['ip-address', 'name', 'ssh-port']);
	t.is(attempted.focus, 0, 'the first field with a problem has the focus');
});

test('a submit sends and prints only what differs from the CLI defaults, quoted for a shell', t => {
	let state = form();
	state = edit(state, 'name', 'web');
	state = edit(state, 'ip-address', '10.0.0.9');
	state = edit(state, 'ssh-key', '/keys/my key');
	state = edit(state, 'tag', 'a, b');
	state = {...state, focus: 4};
	state = formReducer(state, {type: 'toggle'});
	t.deepEqual(createRequest(state), {
		name: 'web',
		driverName: 'test',
		given: {'ip-address': '10.0.0.9', 'ssh-key': '/keys/my key', tag: ['a', 'b'], fast: false},
	});
	t.is(commandLine(state, 'machinist'), "machinist create -d test --ip-address 10.0.0.9 --ssh-key '/keys/my key' --fast=false --tag a --tag b web");
	t.is(commandLine(form(), 'machinist'), 'machinist create -d test NAME');
});
