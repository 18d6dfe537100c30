import test from 'ava';
import {closeDockerAgents} from '../../../source/engine/docker/client.js';
import {containerName} from '../../../source/engine/docker/labels.js';
import type {LogLine} from '../../../source/engine/docker/logs.js';
import {ContainerWatcher, type ContainerTable} from '../../../source/engine/machines/container-watcher.js';
import {actOnContainer, followLogs} from '../../../source/engine/machines/containers.js';
import {docker, dockerCliAvailable, importBusybox, machineWithContainers, restartDockerd, runContainer} from '../../helpers/containers.js';
import {dockerdAvailable} from '../../helpers/dockerd.js';
import {realTest} from '../../helpers/real.js';
import {waitFor} from '../../helpers/wait.js';

const withDockerd = realTest(dockerdAvailable(), dockerCliAvailable());

test.after.always(() => {
	closeDockerAgents();
});

function watching(watcher: ContainerWatcher, machine: string) {
	return async (what: string, check: (table: ContainerTable) => boolean, timeoutMs = 15_000) =>
		waitFor(
			what,
			() => {
				const table = watcher.table(machine);
				return table && check(table) && table;
			},
			{timeoutMs, detail: () => JSON.stringify(watcher.table(machine), undefined, 1).slice(0, 2000)},
		);
}

/** `docker ps -a` on the daemon: name, image and state of each container. */
async function psAll(socket: {socketPath: string}): Promise<string[]> {
	const lines = await docker(socket, 'ps', '-a', '--format', '{{.Names}} {{.Image}} {{.State}}');
	return lines.split('\n').filter(Boolean).sort();
}

const rowsOf = (table: ContainerTable) => table.containers.map(container => `${containerName(container)} ${container.Image} ${container.State}`).sort();

withDockerd('the watcher lists what docker ps -a lists, and containers started, stopped and removed outside appear and go within a second', async t => {
	t.timeout(120_000);
	const {engine, dockerd} = await machineWithContainers(t);
	await runContainer(dockerd, 'web');
	await docker(dockerd, 'create', '--network=none', '--name=idle', 'busybox:machinist', 'true');
	const watcher = new ContainerWatcher(engine);
	t.teardown(() => {
		watcher.stop();
	});
	watcher.watch(['box']);
	const until = watching(watcher, 'box');
	const first = await until('the first list', table => table.state === 'Running');
	t.deepEqual(rowsOf(first), await psAll(dockerd));
	t.is(first.reach?.dockerHost, '127.0.0.1');

	let started = Date.now();
	await runContainer(dockerd, 'late');
	await until('late running', table => rowsOf(table).includes('late busybox:machinist running'), 1000 + (Date.now() - started));
	t.log(`a container started outside shows ${Date.now() - started} ms after docker run was called`);

	await docker(dockerd, 'rm', '-f', 'late');
	started = Date.now();
	await until('late gone', table => !rowsOf(table).some(row => row.startsWith('late ')), 1000);
	t.deepEqual(rowsOf(watcher.table('box')!), await psAll(dockerd));
});

withDockerd('every action changes the daemon state: stop, start, restart, pause, unpause, kill, remove (force for a running one)', async t => {
	t.timeout(120_000);
	const {engine, dockerd} = await machineWithContainers(t);
	await runContainer(dockerd, 'target');
	const state = async () => docker(dockerd, 'inspect', '--format', '{{.State.Status}}', 'target');
	const steps = [
		['pause', 'paused'],
		['unpause', 'running'],
		['stop', 'exited'],
		['start', 'running'],
		['restart', 'running'],
		['kill', 'exited'],
		['start', 'running'],
	] as const;
	for (const [action, expected] of steps) {
		await actOnContainer(engine, 'box', 'target', action);
		t.is(await state(), expected, action);
	}

	await t.throwsAsync(actOnContainer(engine, 'box', 'target', 'remove'), {message: /running container|stop the container|cannot remove/i});
	await actOnContainer(engine, 'box', 'target', 'remove', {force: true});
	t.deepEqual(await psAll(dockerd), []);
});

withDockerd(
	'logs read right with a TTY and without: the last lines, then the new ones as they come, stderr apart, none lost or repeated at the seam',
	async t => {
		t.timeout(120_000);
		const {engine, dockerd} = await machineWithContainers(t);
		const script = 'i=0; while [ $i -lt 600 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; sleep 1; echo after; sleep 600';
		await runContainer(dockerd, 'plain', {script});
		await runContainer(dockerd, 'term', {script, tty: true});
		for (const name of ['plain', 'term']) {
			const lines: LogLine[] = [];
			const controller = new AbortController();
			const following = followLogs(engine, 'box', name, {
				tail: 500,
				signal: controller.signal,
				onLines(more) {
					lines.push(...more);
				},
			});
			await waitFor(`${name}: after`, () => lines.some(line => line.text === 'after'), {
				timeoutMs: 30_000,
				detail: () => JSON.stringify(lines.slice(-5)),
			});
			controller.abort();
			await following;
			// However far the container had got when the logs opened: at least the tail, then every line once.
			t.true(lines.length >= 500, name);
			t.is(lines.at(-1)!.text, 'after');
			const outs = lines.filter(line => line.text.startsWith('out ')).map(line => Number(line.text.slice(4)));
			t.deepEqual(
				outs,
				Array.from({length: outs.length}, (_, index) => 600 - outs.length + index),
				`${name}: no out line lost or repeated`,
			);
			t.true(
				lines.every(line => /^\d{4}-\d\d-\d\dT/.test(line.time)),
				name,
			);
			if (name === 'plain') {
				t.true(lines.filter(line => line.text.startsWith('err ')).every(line => line.stream === 'stderr'));
				t.true(lines.filter(line => !line.text.startsWith('err ')).every(line => line.stream === 'stdout'));
			} else {
				t.true(lines.every(line => line.stream === 'stdout'));
				t.true(lines.some(line => line.text === 'err 599'));
			}
		}
	},
);

withDockerd('a daemon that dies shows Timeout with the last rows kept, and the watcher reconnects when it is back', async t => {
	t.timeout(180_000);
	const {engine, dockerd, store} = await machineWithContainers(t);
	await runContainer(dockerd, 'web');
	const watcher = new ContainerWatcher(engine, {initialBackoffMs: 200, maxBackoffMs: 1000});
	t.teardown(() => {
		watcher.stop();
	});
	watcher.watch(['box']);
	const until = watching(watcher, 'box');
	await until('web listed', table => table.state === 'Running' && table.containers.length === 1);
	await dockerd.stop();
	const lost = await until('Timeout', table => table.state === 'Timeout', 30_000);
	t.is(lost.containers.length, 1);
	t.truthy(lost.error);
	const again = await restartDockerd(t, engine, store, dockerd.port);
	await importBusybox(again);
	await runContainer(again, 'fresh');
	const back = await until('back', table => table.state === 'Running' && rowsOf(table).some(row => row.startsWith('fresh ')), 30_000);
	t.is(back.error, undefined);
});
