import test from 'ava';
import {pollUntil, waitUntil} from '../../source/engine/polling.js';

test('waitUntil is true once the check holds and false when the time runs out, never throwing for that', async t => {
	let calls = 0;
	t.true(await waitUntil(() => ++calls === 3, {intervalMs: 10, timeoutMs: 5000}));
	t.is(calls, 3);
	const started = Date.now();
	t.false(await waitUntil(() => false, {intervalMs: 20, timeoutMs: 200}));
	t.true(Date.now() - started >= 200);
});

test("a poll's timeout error may be made after reading something, and an aborted poll checks no more", async t => {
	await t.throwsAsync(
		pollUntil(async () => undefined, {
			intervalMs: 10,
			timeoutMs: 50,
			timedOut: async waited => new Error(`gave up after ${waited >= 50 ? 'the timeout' : 'too little'}`),
		}),
		{message: 'gave up after the timeout'},
	);

	const controller = new AbortController();
	let calls = 0;
	const poll = pollUntil(
		async () => {
			calls++;
			controller.abort(new Error('cancelled'));
			return undefined;
		},
		{intervalMs: 10_000, timeoutMs: 60_000, signal: controller.signal, timedOut: () => new Error('timed out')},
	);
	await t.throwsAsync(poll, {message: 'cancelled'});
	t.is(calls, 1);
	controller.abort();
	await t.throwsAsync(
		pollUntil(async () => 'never asked', {intervalMs: 10, timeoutMs: 100, signal: controller.signal, timedOut: () => new Error('timed out')}),
		{
			message: 'cancelled',
		},
	);
});
