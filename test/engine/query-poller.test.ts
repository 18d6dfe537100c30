import test from 'ava';
import {QueryPoller} from '../../source/engine/query-poller.js';
import {waitFor} from '../helpers/wait.js';

test('a query poller asks at once and again after each answer, keeps the last answer through a failure, and says why', async t => {
	const answers: Array<number | Error> = [1, new Error('no route to host'), 3];
	let asked = 0;
	const poller = new QueryPoller(
		async () => {
			const answer = answers[Math.min(asked++, answers.length - 1)]!;
			if (answer instanceof Error) throw answer;
			return answer;
		},
		{intervalMs: 20},
	);
	const seen: Array<ReturnType<typeof poller.snapshot>> = [];
	poller.subscribe(() => seen.push(poller.snapshot()));
	t.deepEqual(poller.snapshot(), {}, 'nothing before it starts');
	poller.start();
	poller.start();
	t.teardown(() => {
		poller.stop();
	});
	await waitFor('three answers', () => seen.length >= 3, {timeoutMs: 5000, intervalMs: 5});
	t.like(seen[0], {value: 1, error: undefined});
	t.like(seen[1], {value: 1, error: 'no route to host'}, 'the answer before stays, with the failure beside it');
	t.like(seen[2], {value: 3, error: undefined}, 'and the failure goes with the next answer');
	t.true(seen.every(snapshot => typeof snapshot.at === 'number'));
	t.is(asked, seen.length, 'one ask at a time, started once however often start is called');
});

test('stopping a query poller aborts the ask in flight, drops its answer and asks no more', async t => {
	let signal: AbortSignal | undefined;
	let asked = 0;
	let finish: (value: string) => void = () => undefined;
	const poller = new QueryPoller(
		async given => {
			asked++;
			signal = given;
			return new Promise<string>(resolve => {
				finish = resolve;
			});
		},
		{intervalMs: 5},
	);
	let reports = 0;
	poller.subscribe(() => reports++);
	poller.start();
	await waitFor('the first ask', () => asked === 1, {timeoutMs: 5000, intervalMs: 5});
	poller.stop();
	t.true(signal?.aborted);
	finish('late');
	await new Promise(resolve => {
		setTimeout(resolve, 50);
	});
	t.is(reports, 0);
	t.deepEqual(poller.snapshot(), {});
	t.is(asked, 1);
});
