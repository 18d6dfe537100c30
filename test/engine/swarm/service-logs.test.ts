import {readFile} from 'node:fs/promises';
import test from 'ava';
import {LogDecoder} from '../../../source/engine/docker/logs.js';
import {sinceParameter, sortedByTime, splitDetails, timeKey} from '../../../source/engine/swarm/service-logs.js';

/** `GET /services/ID/logs?stdout=1&stderr=1&timestamps=1&details=1&tail=3` from dockerd 20.10, two tasks of `web`. */
const fixture = new URL('../../fixtures/swarm/service-logs.bin', import.meta.url);
const task1 = 'buefi7skl1lhfyboincihd0qw';
const task2 = 'nnp3txq5ghlcyjcmlra3vkphh';

test('a service’s log bytes give each line its task, node and message, and the merge puts both tasks’ lines in time order', async t => {
	const lines = new LogDecoder({multiplexed: true, timestamps: true}).push(await readFile(fixture));
	// As the daemon sent them: task 1's lines, then task 2's, though task 2's web-6 is the oldest.
	t.deepEqual(
		lines.map(line => splitDetails(line.text).taskId),
		[task1, task1, task1, task2, task2, task2],
	);
	const merged = sortedByTime(lines).map(line => {
		const {taskId, nodeId, message} = splitDetails(line.text);
		return `${line.time} ${line.stream} ${taskId === task1 ? 'web.1' : 'web.2'}@${nodeId} ${message}`;
	});
	const node = 'lvyt1keuihwdzbk4dvy2nd0wo';
	t.deepEqual(merged, [
		`2026-12-07T07:59:36.850590265Z stdout web.2@${node} web-6`,
		`2026-12-07T07:59:36.874295429Z stderr web.1@${node} err-6`,
		`2026-12-07T07:59:37.851055935Z stderr web.2@${node} err-7`,
		`2026-12-07T07:59:37.851098689Z stdout web.2@${node} web-7`,
		`2026-12-07T07:59:37.876029462Z stdout web.1@${node} web-7`,
		`2026-12-07T07:59:37.876053328Z stderr web.1@${node} err-7`,
	]);
});

test('details are query-escaped key=value pairs before one space; the message keeps its own spaces and commas', t => {
	t.deepEqual(splitDetails('com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 a, b  c=d'), {
		nodeId: 'n1',
		taskId: 't1',
		message: 'a, b  c=d',
	});
	t.deepEqual(splitDetails('com.docker.swarm.node.id=n%2C1+x,com.docker.swarm.task.id=t%3D1 hi'), {nodeId: 'n,1 x', taskId: 't=1', message: 'hi'});
	// No attributes at all: the daemon still writes the space.
	t.deepEqual(splitDetails(' bare line'), {nodeId: '', taskId: '', message: 'bare line'});
});

test('times sort as time across precisions and offsets, ties keep their order, and since is seconds.nanoseconds', t => {
	t.true(timeKey('2026-12-07T07:59:37.9Z') > timeKey('2026-12-07T07:59:37.851098689Z'));
	t.true(timeKey('2026-12-07T08:59:37+01:00') < timeKey('2026-12-07T07:59:37.000000001Z'));
	t.is(timeKey('2026-12-07T07:59:37Z'), timeKey('2026-12-07T07:59:37.000000000Z'));
	const tie = [
		{time: '2026-12-07T07:59:38Z', text: 'later'},
		{time: '2026-12-07T07:59:37Z', text: 'first'},
		{time: '2026-12-07T07:59:37.000Z', text: 'second'},
	];
	t.deepEqual(
		sortedByTime(tie).map(line => line.text),
		['first', 'second', 'later'],
	);
	t.is(sinceParameter('2026-12-07T07:59:37.851098689Z'), `${Date.UTC(2026, 11, 7, 7, 59, 37) / 1000}.851098689`);
	t.is(sinceParameter('2026-12-07T07:59:37Z'), `${Date.UTC(2026, 11, 7, 7, 59, 37) / 1000}.000000000`);
});
