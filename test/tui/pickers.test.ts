import test from 'ava';
import {createMachine} from '../../source/engine/index.js';
import {keysOf} from '../../source/tui/input/keys.js';
import {contextOf, initialAppState, onKeys, type AppView} from '../../source/tui/reducers/app.js';
import {tlsDaemon} from '../helpers/tls-daemon.js';
import {keys, lineWith, renderApp, world} from './harness.js';

const unreachable = 'tcp://127.0.0.1:1';

test('a letter in the driver picker jumps to the driver it starts, also typed in one read with the n that opens it', async t => {
	const {services} = await world(t, {alpha: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	// q quits on the list: it must land in the picker that n opened, before any frame shows it.
	await app.type('nq');
	let frame = await app.waitFor('which driver?');
	t.regex(frame, /❯ qemu/);
	await app.type('v');
	await app.waitFor('❯ virtualbox');
	await app.type('d');
	await app.waitFor('❯ digitalocean');
	await app.press(keys.escape);
	await app.waitFor('❯ alpha');

	await app.type('ng\r');
	frame = await app.waitFor('Create a machine with the generic driver');
	t.regex(frame, /--generic-ip-address \*/);
});

test('in the env dialog a letter switches to the shell it starts; q still closes the dialog', async t => {
	const {services, engine, copied, dir} = await world(t);
	await createMachine(engine, {name: 'live', driverName: 'none', given: {url: await tlsDaemon(t, dir)}});
	const app = renderApp(t, services);
	await app.waitFor('❯ live');
	await app.press('c');
	await app.waitFor(text => text.includes('Env for live (bash)') && text.includes('Copied with'));
	await app.type('z');
	await app.waitFor(text => text.includes('Env for live (zsh)') && text.includes('Copied with'));
	t.is(services.preferences.get('envShell'), 'zsh');
	await app.type('p');
	await app.waitFor(text => text.includes('Env for live (powershell)') && text.includes('$Env:DOCKER_HOST'));
	t.is(copied.length, 3, 'each shell chosen is copied');
	await app.type('q');
	const frame = await app.waitFor(text => !text.includes('Env for live'));
	t.regex(frame, /❯ live/, 'q closed the dialog, not the app');
});

test('a letter in the manager choice jumps to the manager it starts, in one read with the J that opens it', t => {
	const names = ['alpha', 'mgr-a', 'mgr-b', 'web', 'zeta'];
	const view: AppView = {
		names,
		driverOf: () => 'none',
		swarm: name => (name === 'web' ? '' : 'alpha (manager)'),
		operations: [],
		helpMaxScroll: () => 0,
		drivers: ['none'],
		envShell: 'bash',
		program: 'machinist',
		checkFile: () => undefined,
	};
	const onWeb = onKeys(initialAppState, keysOf('jjj'), view).state;
	const {state} = onKeys(onWeb, keysOf('Jm'), view);
	t.is(contextOf(state), 'managers');
	t.like(state.overlay, {kind: 'managers', managers: ['alpha', 'mgr-a', 'mgr-b', 'zeta'], index: 1});
	t.like(onKeys(state, keysOf('m'), view).state.overlay, {index: 2}, 'the same letter again goes to the next one');
	t.like(onKeys(state, keysOf('mm'), view).state.overlay, {index: 1}, 'and round again');
	t.like(onKeys(state, keysOf('Z'), view).state.overlay, {index: 3}, 'in either case');
	t.like(onKeys(state, keysOf('x'), view).state.overlay, {index: 1}, 'a letter no manager starts moves nothing');
	t.deepEqual(onKeys(state, keysOf('z\r'), view).effects, [{type: 'swarm', kind: 'swarm-join', machine: 'web', manager: 'zeta'}]);
});

test("the details of a none machine show its server certificate as the daemon's own, with the dates it presents", async t => {
	const {services, engine, dir} = await world(t, {gone: unreachable});
	await createMachine(engine, {name: 'live', driverName: 'none', given: {url: await tlsDaemon(t, dir)}});
	const app = renderApp(t, services);
	await app.waitFor('❯ gone');
	await app.type('j\r');
	let frame = await app.waitFor(text => /Server cert +the daemon's own: /.test(text));
	t.regex(lineWith(frame, 'Server cert'), /Server cert +the daemon's own: \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(in \d+ days\)$/);
	t.regex(lineWith(frame, 'Client cert'), /\(in \d+ days\)/, 'the store-held certificates are shown as before');

	await app.press(keys.escape);
	await app.type('k\r');
	frame = await app.waitFor(text => /Server cert +the daemon's own \(handshake failed: /.test(text));
	t.regex(lineWith(frame, 'Server cert'), /the daemon's own \(handshake failed: dial tcp 127\.0\.0\.1:1: connect: connection refused\)/);
});
