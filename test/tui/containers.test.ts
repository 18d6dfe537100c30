import test from 'ava';
import type {ContainerTable, LogLine} from '../../source/engine/index.js';
import {keysOf} from '../../source/tui/input/keys.js';
import {initialAppState, onKeys, type AppState, type AppView} from '../../source/tui/reducers/app.js';
import {containerRows} from '../../source/tui/screens/containers/rows.js';
import {lineMatcher} from '../../source/tui/screens/logs/lines.js';
import {shortDuration, shortDurationChangesIn} from '../../source/tui/labels.js';
import {appView} from './harness.js';

function table(machine: string, containers: Array<[name: string, state: string]>, state: ContainerTable['state'] = 'Running'): ContainerTable {
	return {
		machine,
		state,
		reach: {dockerHost: '127.0.0.1', viaLoopback: false},
		containers: containers.map(([name, containerState]) => ({
			Id: `${machine}-${name}`,
			Names: [`/${name}`],
			Image: name === 'db' ? 'postgres:16' : 'nginx',
			Created: 0,
			State: containerState,
			Status: containerState,
			Ports: [],
		})),
	};
}

const tables = [
	table('alpha', [
		['db', 'running'],
		['web', 'exited'],
	]),
	table('beta', [
		['api', 'running'],
		['web', 'paused'],
	]),
];

const logLines: LogLine[] = Array.from({length: 100}, (_, index) => ({
	stream: index % 2 ? 'stderr' : 'stdout',
	time: '',
	text: `${index % 2 ? 'err' : 'out'} ${index}`,
}));

function view(): AppView {
	return appView({names: ['alpha', 'beta'], containers: () => tables, logLines: () => logLines, pageHeight: () => 10});
}

const typed = (input: string, state: AppState = initialAppState) => onKeys(state, keysOf(input), view());

test('the fleet filter takes state= and machine= chips and words over name, image and machine', t => {
	const names = (filter: string, all = true) => containerRows(tables, {all, filter}).map(row => `${row.machine}/${row.name}`);
	t.deepEqual(names(''), ['alpha/db', 'alpha/web', 'beta/api', 'beta/web']);
	t.deepEqual(names('', false), ['alpha/db', 'beta/api', 'beta/web'], 'without a, stopped ones are hidden');
	t.deepEqual(names('state=running'), ['alpha/db', 'beta/api']);
	t.deepEqual(names('state=running state=paused machine=beta'), ['beta/api', 'beta/web']);
	t.deepEqual(names('postgres'), ['alpha/db']);
	t.deepEqual(names('web bet'), ['beta/web']);
	t.deepEqual(
		containerRows([table('gamma', [['x', 'running']], 'Timeout')], {all: true, filter: ''}).map(row => row.stale),
		[true],
	);
});

test('F opens the fleet; actions on the selected container are effects, destructive ones ask, rm of a running one is forced', t => {
	const fleet = typed('F').state;
	t.is(fleet.screen.name, 'containers');
	t.deepEqual(typed('js', fleet).effects, [{type: 'containerAction', machine: 'alpha', id: 'alpha-web', name: 'web', action: 'start'}]);
	t.deepEqual(typed('jjjp', fleet).effects, [{type: 'containerAction', machine: 'beta', id: 'beta-web', name: 'web', action: 'unpause'}]);
	const asked = typed('jjd', fleet);
	t.deepEqual(asked.effects, []);
	t.regex(asked.state.overlay?.kind === 'confirm' ? asked.state.overlay.question : '', /api on beta is running: remove it anyway \(rm -f\)\?/);
	t.deepEqual(typed('y', asked.state).effects, [{type: 'containerAction', machine: 'beta', id: 'beta-api', name: 'api', action: 'remove', force: true}]);
	t.is(typed('\u001B', fleet).state.screen.name, 'list', 'Esc goes back');
});

test('l opens the logs and follows; scrolling stops following, n/N walk the matches of the filter, Esc closes the stream', t => {
	const opened = typed('Fl');
	t.deepEqual(opened.effects, [{type: 'openLogs', machine: 'alpha', id: 'alpha-db'}]);
	const logs = opened.state;
	if (logs.screen.name !== 'logs') throw new Error('not on logs');
	t.true(logs.screen.follow);
	const up = typed('k', logs).state.screen;
	t.like(up, {follow: false, bottom: 98});
	t.like(typed('kG', logs).state.screen, {follow: true});
	const filtered = typed('/err [0-9]*5$\r', logs).state.screen;
	t.like(filtered, {filter: 'err [0-9]*5$', filtering: false, follow: true});
	t.like(typed('/err [0-9]*5$\rN', logs).state.screen, {cursor: 9, bottom: 9, follow: false}, 'ten matches: from the newest line, N goes to the last one');
	t.like(typed('/err [0-9]*5$\rNNn', logs).state.screen, {cursor: 9});
	t.deepEqual(typed('\u001B', logs).effects, [{type: 'closeLogs'}]);
});

test('a log filter is a regular expression when it parses, plain text otherwise, case-insensitive unless it has a capital', t => {
	t.true(lineMatcher('err [0-9]+')!('ERR 12'));
	t.true(lineMatcher('a(b')!('xa(by'), 'not a regular expression: plain text');
	t.false(lineMatcher('Err')!('err'));
	t.is(lineMatcher(''), undefined);
});

test('CREATED ages say when they next read differently: the next second, minute or hour', t => {
	for (const ms of [0, 400, 600, 12_345, 59_400, 59_600, 61_000, 3_599_000, 3_600_000, 7_300_000]) {
		const wait = shortDurationChangesIn(ms);
		t.is(shortDuration(ms + wait - 1), shortDuration(ms), `${ms} ms: the same until then`);
		t.not(shortDuration(ms + wait), shortDuration(ms), `${ms} ms: different then`);
	}
});
