import path from 'node:path';
import {type ExecutionContext} from 'ava';
import {createEngine, createMachine} from '../../source/engine/index.js';
import {driverNames} from '../../source/engine/drivers/registry.js';
import {builtCli, machinist} from '../helpers/cli.js';
import {dockerdAvailable, storeWithDockerd} from '../helpers/dockerd.js';
import {realTest} from '../helpers/real.js';
import {saveGenericMachine, temporaryDir} from '../helpers/store.js';
import {TmuxSession, tmuxAvailable} from '../helpers/tmux.js';

const withTmux = realTest(tmuxAvailable());
const withDockerdAndTmux = realTest(dockerdAvailable(), tmuxAvailable());

/** In the driver list, a digit chooses the driver at that place. */
const noneDigit = String(driverNames().indexOf('none') + 1);

/**
 * A store with a running machine (`alive`, a none machine on a real TLS dockerd) and a stopped
 * one (`sleepy`, a generic machine whose SSH port refuses), and the app open in tmux on it.
 */
async function world(t: ExecutionContext) {
	const store = await temporaryDir(t, 'mtui-');
	const env = {
		PATH: process.env.PATH,
		HOME: store,
		USER: 'tester',
		SHELL: '/bin/bash',
		TERM: 'xterm-256color',
		MACHINE_STORAGE_PATH: store,
		MACHINIST_CONFIG_DIR: path.join(store, 'prefs'),
	};
	const {engine, dockerd} = await storeWithDockerd(t, store, env, store, 'tester.alive');
	await createMachine(engine, {name: 'alive', driverName: 'none', given: {url: dockerd.url}});
	await engine.store.claim('sleepy');
	await saveGenericMachine(engine, 'sleepy', {ip: '127.0.0.1', user: 'root', port: 1});
	const session = await TmuxSession.start([process.execPath, builtCli], env);
	t.teardown(async () => session.stop());
	return {store, env, dockerd, session};
}

withDockerdAndTmux.serial('the app lists machines with live states, moves, filters, helps, copies env, creates, and quits cleanly', async t => {
	const {env, dockerd, session} = await world(t);
	const list = await session.waitFor(screen => /alive +none +Running/.test(screen) && /sleepy +generic +Stopped/.test(screen), 30_000);
	t.true(list.includes(dockerd.url), list);
	t.regex(list, /❯ alive/);

	await session.keys('j');
	await session.waitFor(/❯ sleepy/);
	await session.keys('k');
	await session.waitFor(/❯ alive/);

	await session.keys('/');
	await session.type('sle');
	const filtered = await session.waitFor(screen => screen.includes('sleepy') && !/alive +none/.test(screen));
	t.notRegex(filtered, /alive +none/);
	await session.keys('Escape');
	await session.waitFor(screen => /alive +none/.test(screen) && /sleepy +generic/.test(screen));

	await session.keys('?');
	await session.waitFor('Move up');
	await session.keys('Escape');
	// The filter left sleepy selected; g goes back to the first machine.
	await session.waitFor(screen => screen.includes('❯ sleepy') && !screen.includes('Move up'));
	await session.keys('g');
	await session.waitFor(/❯ alive/);

	await session.keys('c');
	const deadline = Date.now() + 15_000;
	let copied = '';
	while (Date.now() < deadline && !copied.startsWith('export DOCKER_TLS_VERIFY="1"')) {
		copied = await session.buffer();
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	t.true(copied.startsWith('export DOCKER_TLS_VERIFY="1"\n'), copied);
	t.true(copied.includes(`export DOCKER_HOST="${dockerd.url}"`));
	// The dialog shows the text too.
	await session.waitFor('DOCKER_TLS_VERIFY');
	await session.keys('Escape');
	await session.waitFor(screen => !screen.includes('DOCKER_TLS_VERIFY'));

	// Create a none machine through the guided form.
	await session.keys('n');
	await session.waitFor('which driver?');
	await session.type(noneDigit);
	await session.waitFor('with the none driver');
	await session.type('fresh');
	await session.keys('Enter');
	await session.type(dockerd.url);
	// Tab walks the fields (the advanced ones stay folded) down to [ Create ].
	for (let step = 0; step < 40; step++) {
		const screen = await session.capture();
		if (/❯ *\[ Create \]/.test(screen)) break;
		await session.keys('Tab');
		await session.waitFor(current => current !== screen, 5000).catch(() => undefined);
	}

	await session.keys('Enter');
	await session.waitFor('fresh created', 30_000);
	await session.keys('Enter');
	await session.waitFor(/fresh +none +Running/, 30_000);
	t.regex((await machinist(['ls', '-q'], env)).stdout, /^alive\nfresh\nsleepy\n$/);

	await session.keys('q');
	const after = await session.waitFor('[exited 0]');
	t.notRegex(after, /NAME +DRIVER/, 'the alternate screen is gone: nothing of the app is left on the terminal');
});

/** Forty `none` machines, m00 to m39, that do not answer, and the app open in tmux on them. */
async function manyMachines(t: ExecutionContext) {
	const store = await temporaryDir(t, 'mtui-');
	const env = {
		PATH: process.env.PATH,
		HOME: store,
		USER: 'tester',
		SHELL: '/bin/bash',
		TERM: 'xterm-256color',
		MACHINE_STORAGE_PATH: store,
		MACHINIST_CONFIG_DIR: path.join(store, 'prefs'),
	};
	const engine = createEngine({storagePath: store, env});
	for (let index = 0; index < 40; index++) {
		await createMachine(engine, {name: `m${String(index).padStart(2, '0')}`, driverName: 'none', given: {url: 'tcp://127.0.0.1:1'}});
	}

	const session = await TmuxSession.start([process.execPath, builtCli], env);
	t.teardown(async () => session.stop());
	await session.waitFor(screen => screen.includes('40 machines') && screen.includes('❯ m00'), 30_000);
	return session;
}

withTmux.serial('keys sent faster than the app draws are each handled, in order, in the mode they were typed into', async t => {
	const session = await manyMachines(t);

	// `/` and a name back to back: the name goes into the filter, not to the list.
	await session.keys('/');
	await session.type('m17');
	let screen = await session.waitFor(current => current.includes('/m17'));
	t.regex(screen, /❯ m17/);
	t.notRegex(screen, / m16 /, 'the list shows only the match');
	await session.keys('Escape');
	await session.waitFor(current => current.includes(' m16 ') && !current.includes('/m17'));

	// One write of 35 keys: each one moves the cursor.
	await session.keys('g');
	await session.type(`${'j'.repeat(30)}${'k'.repeat(5)}`);
	screen = await session.waitFor(/❯ m25/);
	t.is(screen.match(/❯ m\d\d/g)?.length, 1, screen);

	// A paste is text: in the list it is no command (d, y would remove m25), in the filter it is typed.
	await session.paste('dy');
	await session.keys('j');
	screen = await session.waitFor(/❯ m26/);
	t.true(screen.includes('40 machines') && !screen.includes('About to remove'), screen);
	await session.keys('/');
	await session.paste('m3');
	screen = await session.waitFor(current => current.includes('/m3') && !current.includes(' m29 '));
	t.regex(screen, / m39 /);
	await session.keys('Escape');
	await session.waitFor(/ m29 /);

	// The driver chosen (by its digit), a name and Enter, all in one write, before the form is drawn.
	await session.keys('n');
	await session.waitFor('which driver?');
	await session.type(`${noneDigit}fresh\r`);
	screen = await session.waitFor('$ machinist create -d none fresh');
	t.regex(screen, /name \* +fresh/, 'the name is in the first field');
	t.regex(screen, /❯ --url \*/, 'and Enter went on to the next one');

	await session.keys('Escape');
	await session.waitFor(/❯ m30/);
	await session.keys('q');
	await session.waitFor('[exited 0]');
	// The terminal is back in plain paste mode: a paste is echoed without bracket marks.
	await session.paste('zz');
	screen = await session.waitFor('zz');
	t.false(screen.includes('200~'), screen);
});
