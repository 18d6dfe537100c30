import test from 'ava';
import type {LogLine, ServiceRow} from '../../source/engine/index.js';
import {keysOf} from '../../source/tui/input/keys.js';
import {contextOf, initialAppState, onKeys, type AppState, type AppView} from '../../source/tui/reducers/app.js';
import {shownLines, sourceColumnWidth} from '../../source/tui/screens/logs/lines.js';
import {appView} from './harness.js';

function service(id: string, name: string, mode: string, desired: number): ServiceRow {
	return {id, name, mode, running: desired, desired, image: 'busybox:machinist', ports: '', tasks: []};
}

const rows: Record<string, ServiceRow[]> = {mgr: [service('s1', 'agent', 'global', 1), service('s2', 'web', 'replicated', 2)]};
const roles: Record<string, string> = {mgr: 'swarm (leader)', wrk: 'swarm (worker)'};

function view(): AppView {
	return appView({names: ['mgr', 'wrk'], swarm: machine => roles[machine] ?? '', serviceRows: machine => rows[machine] ?? []});
}

const typed = (input: string, state: AppState = initialAppState) => onKeys(state, keysOf(input), view());

test('v opens the services of a manager from the list, its details or its swarm view, and Esc goes back there; a worker says why not', t => {
	const fromList = typed('v').state;
	t.like(fromList.screen, {name: 'services', machine: 'mgr', back: 'list'});
	t.is(contextOf(fromList), 'services');
	t.is(typed('\u001B', fromList).state.screen.name, 'list');
	t.deepEqual(typed('\rv\u001B').state.screen, {name: 'details', machine: 'mgr'});
	t.deepEqual(typed('wv\u001B').state.screen, {name: 'cluster', machine: 'mgr'});
	const worker = typed('jv').state;
	t.is(worker.screen.name, 'list');
	t.like(worker.toast, {text: 'wrk is not a swarm manager: it is a worker; press v on a manager of its swarm', tone: 'danger'});
});

test('s asks for the number of replicas: bad input gets a one-line error, Enter scales in the background, Esc cancels; a global service is refused', t => {
	const services = typed('v').state;
	const refused = typed('s', services);
	t.deepEqual(refused.effects, []);
	t.like(refused.state.toast, {text: 'agent is a global service: only a replicated service can be scaled', tone: 'danger'});

	const asking = typed('js', services).state;
	t.is(contextOf(asking), 'scale');
	const bad = typed('x3\r', asking);
	t.deepEqual(bad.effects, []);
	t.regex(bad.state.screen.name === 'services' ? (bad.state.screen.scaling?.error ?? '') : '', /^"x3" is not a number of replicas: [^\n]+$/);
	const fixed = typed('\u0001\u001B[3~\r', bad.state);
	t.deepEqual(fixed.effects, [{type: 'scaleService', machine: 'mgr', service: 'web', replicas: 3}]);
	t.is(contextOf(fixed.state), 'services');
	t.regex(fixed.state.toast?.text ?? '', /Scaling web to 3/);
	const cancelled = typed('3\u001B', asking);
	t.deepEqual(cancelled.effects, []);
	t.like(cancelled.state.screen, {name: 'services', scaling: undefined});
});

test('l opens the selected service’s logs through the manager; Esc closes the stream and returns to the services as they were', t => {
	const services = typed('vj').state;
	const opened = typed('l', services);
	t.deepEqual(opened.effects, [{type: 'openServiceLogs', machine: 'mgr', service: 's2'}]);
	t.like(opened.state.screen, {name: 'logs', machine: 'mgr', subject: {kind: 'service', id: 's2', name: 'web'}, follow: true});
	const back = typed('\u001B', opened.state);
	t.deepEqual(back.effects, [{type: 'closeLogs'}]);
	t.deepEqual(back.state.screen, services.screen);
});

test('a service’s log lines are filtered by their task and node too, and the source column is as wide as the widest', t => {
	const lines: LogLine[] = [
		{stream: 'stdout', time: '', text: 'web-1', source: 'web.1@node1'},
		{stream: 'stdout', time: '', text: 'web-1', source: 'web.12@node2'},
	];
	t.deepEqual(shownLines(lines, 'node2'), [1]);
	t.is(sourceColumnWidth(lines), 'web.12@node2'.length + 1);
	t.is(sourceColumnWidth([{stream: 'stdout', time: '', text: 'a container line'}]), 0);
});
