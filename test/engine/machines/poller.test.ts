import test from 'ava';
import {createMachine} from '../../../source/engine/machines/create.js';
import {createEngine} from '../../../source/engine/engine.js';
import {OperationRunner} from '../../../source/engine/machines/runner.js';
import {StatusPoller} from '../../../source/engine/machines/poller.js';
import {tcpServer} from '../../helpers/servers.js';
import {temporaryDir} from '../../helpers/store.js';
import {waitFor} from '../../helpers/wait.js';

test('the poller lists machines in ls order and keeps the last data of one that stops answering', async t => {
	const server = await tcpServer(t);
	const engine = createEngine({storagePath: await temporaryDir(t), env: {}});
	for (const name of ['web10', 'web2', 'db']) {
		await createMachine(engine, {name, driverName: 'none', given: {url: name === 'web2' ? `tcp://127.0.0.1:${server.port}` : 'tcp://127.0.0.1:1'}});
	}

	// A loopback connect can take longer than 300 ms on a loaded 2-core machine; 3 s cannot pass
	// for an answer from the silent server either.
	const poller = new StatusPoller(engine, {intervalMs: 100, fastIntervalMs: 50, timeoutMs: 3000});
	t.teardown(() => {
		poller.stop();
	});
	let updates = 0;
	poller.subscribe(() => updates++);
	poller.start();
	const rows = await waitFor('three rows', () => (poller.rows().length === 3 ? poller.rows() : undefined));
	t.deepEqual(
		rows.map(row => row.name),
		['db', 'web2', 'web10'],
	);
	const answered = poller.rows().find(row => row.name === 'web2')!;
	t.is(answered.state, 'Running');
	t.false(answered.stale);
	t.is(rows.find(row => row.name === 'db')!.state, 'Error');

	server.goSilent();
	const stale = await waitFor('a stale row', () => poller.rows().find(row => row.name === 'web2' && row.stale));
	t.is(stale.state, 'Running', 'the last known state is kept');
	t.is(stale.updatedAt, answered.updatedAt);
	t.true(updates >= 2);
});

test('machines on screen are polled at the beat, the others in the background, and one scrolled into view at once', async t => {
	const engine = createEngine({storagePath: await temporaryDir(t), env: {}});
	const servers = new Map<string, Awaited<ReturnType<typeof tcpServer>>>();
	for (const name of ['a', 'b', 'c', 'd']) {
		const server = await tcpServer(t);
		servers.set(name, server);
		await createMachine(engine, {name, driverName: 'none', given: {url: `tcp://127.0.0.1:${server.port}`}});
	}

	const polls = () => Object.fromEntries([...servers].map(([name, server]) => [name, server.connections]));
	let skew = 0;
	const poller = new StatusPoller(engine, {intervalMs: 100, fastIntervalMs: 50, timeoutMs: 3000, now: () => Date.now() + skew});
	t.teardown(() => {
		poller.stop();
	});
	poller.start();
	await waitFor('every machine answered once', () =>
		poller.rows().every(row => row.updatedAt !== undefined) && poller.rows().length === 4 ? true : undefined,
	);
	poller.setVisible(['a', 'b']);
	// A poll of c or d that set off before they left the screen may still land: count from
	// a few beats later, when only the visible ones are being polled.
	const settling = polls();
	await waitFor('three more polls of a', () => (polls().a! >= settling.a! + 3 ? true : undefined));
	const before = polls();
	await waitFor('five more polls of a', () => (polls().a! >= before.a! + 5 ? true : undefined));
	const during = polls();
	t.true(during.b! >= before.b! + 3, 'b is on screen too');
	t.is(during.c, before.c, 'c is off screen: not polled at the beat');
	t.is(during.d, before.d);

	poller.setVisible(['b', 'c']);
	await waitFor('c polled as it comes into view', () => (polls().c! > during.c! ? true : undefined));

	// 30 s later (the background beat), the machine still off screen is polled too, once.
	const answeredAt = (name: string) => poller.rows().find(row => row.name === name)!.updatedAt!;
	const dBefore = answeredAt('d');
	skew = 31_000;
	const dAfter = await waitFor('d polled in the background', () => (answeredAt('d') > dBefore ? answeredAt('d') : undefined));
	const bAfter = answeredAt('b');
	await waitFor('b polled five more beats', () => (answeredAt('b') >= bAfter + 450 ? true : undefined));
	t.is(answeredAt('d'), dAfter, 'and then not again until the next background beat');
});

test('operations run in the background with a log, keep failures until dismissed, and report changes', async t => {
	const engine = createEngine({storagePath: await temporaryDir(t), env: {}});
	await createMachine(engine, {name: 'gone', driverName: 'none', given: {url: 'tcp://127.0.0.1:1'}});
	const changes: string[] = [];
	const runner = new OperationRunner(engine, {onChange: operation => changes.push(`${operation.kind}:${operation.state}`)});
	const stop = runner.run('stop', 'gone');
	t.is(runner.runningOn('gone'), stop);
	const failed = await waitFor('the stop to fail', () => (stop.state === 'failed' ? stop : undefined));
	t.is(failed.error, 'hosts without a driver cannot be stopped');
	t.deepEqual(failed.log, ['Stopping "gone"...']);
	t.is(runner.list().length, 1);
	runner.dismiss(stop.id);
	t.is(runner.list().length, 0);

	const removal = runner.run('rm', 'gone');
	await waitFor('the removal', () => (removal.state === 'done' ? removal : undefined));
	t.deepEqual(removal.log, ['Successfully removed gone']);
	t.false(await engine.store.exists('gone'));
	t.true(changes.includes('stop:running') && changes.includes('stop:failed') && changes.includes('rm:done'));
});
