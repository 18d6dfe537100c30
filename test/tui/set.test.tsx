import {readFile} from 'node:fs/promises';
import test from 'ava';
import type {ResizeRequest} from '../../source/engine/index.js';
import {saveLocalVmMachine} from '../helpers/store.js';
import {eventually, keys, renderApp, world} from './harness.js';

type Calls = Array<{machine: string; request: ResizeRequest}>;

/** A store holding one stopped qemu machine `vm` (no disk or VM), and the runner's resize calls recorded. */
async function qemuWorld(t: Parameters<typeof world>[0]) {
	const made = await world(t);
	const configFile = await saveLocalVmMachine(made.engine, 'vm', 'qemu', {CPU: 1, Memory: 1024, DiskSize: 2000});
	const calls: Calls = [];
	const {runner} = made.services;
	const resize = runner.resize.bind(runner);
	runner.resize = (machine, request) => {
		calls.push({machine, request});
		return resize(machine, request);
	};

	const record = async () => (JSON.parse(await readFile(configFile, 'utf8')) as {Driver: Record<string, unknown>}).Driver;
	return {...made, calls, record};
}

test("z on a qemu machine's details opens a form with its record's size; Resize runs set in the background with its log", async t => {
	const {services, calls, record} = await qemuWorld(t);
	const app = renderApp(t, services);
	await app.waitFor('❯ vm');
	await app.press(keys.enter);
	await app.waitFor(text => /Driver +qemu/.test(text));
	await app.press('z');
	let frame = await app.waitFor('Size of vm (qemu)');
	t.regex(frame, /--cpus +1\b/);
	t.regex(frame, /--memory +1024\b/);
	t.regex(frame, /--disk-size +2000\b/);
	t.regex(frame, /--restart +\[ \]/);
	t.true(frame.includes('$ machinist set vm'), 'nothing changed yet');

	await app.erase(1);
	await app.type('2');
	await app.press(keys.tab);
	await app.erase(4);
	await app.type('1536');
	await app.press(keys.tab, keys.tab, ' ');
	frame = await app.waitFor('--restart');
	t.regex(frame, /--restart +\[x\]/);
	t.true(frame.includes('$ machinist set --cpus 2 --memory 1536 --restart vm'));
	await app.press(keys.tab, keys.enter);

	frame = await app.waitFor('takes its new size at its next start');
	t.regex(frame, /Driver +qemu/, 'the details screen shows the operation log');
	t.deepEqual(calls, [{machine: 'vm', request: {cpus: 2, memoryMb: 1536, diskSizeMb: undefined, restart: true}}]);
	t.like(await record(), {CPU: 2, Memory: 1536, DiskSize: 2000});
});

test('z on the list opens the form; a smaller disk is refused in it, and Esc closes it without a change', async t => {
	const {services, calls, record} = await qemuWorld(t);
	const app = renderApp(t, services);
	await app.waitFor('❯ vm');
	await app.press('z');
	await app.waitFor('Size of vm');
	await app.press(keys.tab, keys.tab);
	await app.erase(4);
	await app.type('1000');
	let frame = await app.waitFor('the disk only grows: give 2000 or more');
	await app.press(keys.tab, keys.tab, keys.enter);
	frame = await app.waitFor(text => text.includes('the disk only grows') && text.includes('❯ --disk-size'));
	t.true(frame.includes('Size of vm'), 'the form stays, the focus on the disk');
	await app.press(keys.escape);
	frame = await app.waitFor(text => text.includes('❯ vm') && !text.includes('Size of vm'));
	t.regex(frame, /NAME +DRIVER/, 'back to the list it was opened from');
	t.false(await eventually(() => calls.length > 0, 300), 'set never ran');
	t.like(await record(), {CPU: 1, Memory: 1024, DiskSize: 2000});
});

test('z on a machine that is not a local VM says set is for local VMs', async t => {
	const {services} = await world(t, {alpha: 'tcp://127.0.0.1:1'});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('z');
	const frame = await app.waitFor('set is for local VMs (qemu, virtualbox): alpha uses the none driver');
	t.false(frame.includes('Size of'));
});
