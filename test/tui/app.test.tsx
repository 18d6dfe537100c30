import type net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import {readFile, readdir} from 'node:fs/promises';
import test from 'ava';
import {generateServerCertificate} from '../../source/engine/certs/generate.js';
import {createMachine} from '../../source/engine/index.js';
import {driverNames} from '../../source/engine/drivers/registry.js';
import {bootstrapCertificates} from '../../source/engine/certs/bootstrap.js';
import {helpSections} from '../../source/tui/keymap.js';
import {tcpServer} from '../helpers/servers.js';
import {saveGenericMachine} from '../helpers/store.js';
import {eventually, keys, lineWith, renderApp, watchQuit, world} from './harness.js';

const unreachable = 'tcp://127.0.0.1:1';

test('the list shows every machine with its state, in ls order', async t => {
	const {services} = await world(t, {web10: unreachable, web2: unreachable, db: unreachable});
	const app = renderApp(t, services);
	const frame = await app.waitFor(text => ['db', 'web2', 'web10'].every(name => lineWith(text, ` ${name} `).includes('Error')));
	const order = ['db', 'web2', 'web10'].map(name => frame.indexOf(` ${name} `));
	t.deepEqual(
		[...order].sort((a, b) => a - b),
		order,
	);
	t.regex(frame, /NAME +DRIVER +STATE +URL +DOCKER +CONTAINERS +ERRORS/);
	t.regex(lineWith(frame, ' db '), /^❯ db +none +Error .*connection refused/);
});

test('j and k move the selection; / filters by name, Enter keeps the filter, Esc clears it', async t => {
	const {services} = await world(t, {alpha: unreachable, beta: unreachable, gamma: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('j');
	await app.waitFor('❯ beta');
	await app.press('j', 'j');
	await app.waitFor('❯ gamma');
	await app.press('k');
	await app.waitFor('❯ beta');

	await app.press('/');
	await app.waitFor('Esc clear');
	await app.type('mm');
	let frame = await app.waitFor(text => text.includes('/mm') && !text.includes(' beta '));
	t.true(frame.includes('❯ gamma'), 'the selection moves to the first match');
	t.false(frame.includes(' alpha '));
	await app.press(keys.enter);
	frame = await app.waitFor('filter: mm');
	t.false(frame.includes(' alpha '));
	await app.press(keys.escape);
	frame = await app.waitFor(text => text.includes(' alpha ') && text.includes(' beta '));
	t.true(frame.includes('❯ gamma'), 'clearing the filter keeps the selection');
});

test('? shows help generated from the keymap, and Esc closes it', async t => {
	const {services} = await world(t, {alpha: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('?');
	const frame = await app.waitFor('Machine list');
	const shows = (text: string, line: {keys: string; label: string}) =>
		text.split('\n').some(row => row.includes(`${line.keys} `) && row.includes(line.label.slice(0, 20)));
	// The screen's own keys come first.
	for (const section of helpSections('list').slice(0, 2)) {
		t.true(frame.includes(section.title), section.title);
		for (const line of section.lines) t.true(shows(frame, line), `${line.keys} ${line.label}`);
	}

	const last = helpSections('list')[2]!.lines.at(-1)!;
	for (let press = 0; press < 100 && !shows(app.frame(), last); press++) await app.press('j');
	t.true(shows(app.frame(), last), 'j scrolls the help down to the rest');
	await app.press(keys.escape);
	const closed = await app.waitFor(text => text.includes('❯ alpha'));
	t.false(closed.includes('Machine list'), 'Esc closes the help');
});

test('n picks a driver, fills the none form, and the created machine appears in the list', async t => {
	const {services, engine, preferences} = await world(t, {alpha: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('n');
	let frame = await app.waitFor('which driver?');
	t.true(
		driverNames().every(driver => frame.includes(driver)),
		'every driver is offered',
	);
	await app.pickDriver('none');
	frame = await app.waitFor('Create a machine with the none driver');
	t.regex(frame, /❯ name \*/, 'the name comes first');
	t.regex(frame, /--url \*/, 'then the required url');
	t.regex(frame, /▸ Advanced options \(\d+\)/, 'the shared create flags are folded away');

	await app.type('fresh');
	await app.waitFor('$ machinist create -d none fresh');
	await app.press(keys.tab);
	await app.waitFor('❯ --url');
	await app.type(unreachable);
	frame = await app.waitFor(`$ machinist create -d none --url ${unreachable} fresh`);
	await app.press(keys.enter);
	await app.waitFor('❯ ▸ Advanced');
	await app.press(keys.down);
	await app.waitFor('❯ [ Create ]');
	await app.press(keys.enter);
	await app.waitFor('fresh created');
	t.true(await engine.store.exists('fresh'));
	t.deepEqual(preferences.get('lastCreateOptions').none, {url: unreachable}, 'the values are remembered for next time');

	await app.press(keys.enter);
	// The row may show `Creating` for a poll or two after the create finished; wait for the listing.
	frame = await app.waitFor(text => text.includes('2 machines') && /^❯ fresh +none/m.test(text));
	t.regex(lineWith(frame, ' fresh '), /^❯ fresh +none/, 'the new machine is selected');
});

test('the create form checks as you type and shows every problem on submit', async t => {
	const {services} = await world(t, {taken: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ taken');
	await app.press('n');
	await app.pickDriver('none');
	await app.waitFor('Create a machine with the none driver');
	await app.type('taken');
	await app.waitFor('a machine named taken exists already');
	await app.type(' 2');
	await app.waitFor('use letters, digits, dots and dashes');
	await app.erase(2);
	await app.type('2');
	await app.waitFor(text => text.includes('taken2') && !text.includes('use letters'));
	await app.press(keys.tab);
	await app.waitFor('❯ --url');
	await app.type('http://x');
	await app.waitFor('is not a Docker daemon URL');
	await app.erase('http://x'.length);
	await app.press(keys.down);
	await app.waitFor('❯ ▸ Advanced');
	await app.press(keys.down);
	await app.waitFor('❯ [ Create ]');
	await app.press(keys.enter);
	const frame = await app.waitFor('--url option is required when no driver is selected');
	t.regex(frame, /❯ --url/, 'the first field with a problem gets the focus');
	await app.press(keys.escape);
	await app.waitFor('❯ taken');
});

test('d asks before removing: n keeps the machine, y removes it', async t => {
	const {services, engine} = await world(t, {doomed: unreachable, kept: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ doomed');
	await app.press('d');
	await app.waitFor('About to remove doomed');
	await app.press('n');
	await app.waitFor(text => !text.includes('About to remove'));
	t.true(await engine.store.exists('doomed'));
	await app.press('d');
	await app.waitFor('About to remove doomed');
	await app.press('y');
	const frame = await app.waitFor(text => !text.includes(' doomed ') && text.includes('1 machine'));
	t.regex(frame, /❯ kept/, 'the next machine is selected');
	t.false(await engine.store.exists('doomed'));
});

test('c on a machine that does not answer shows why instead of exports', async t => {
	const {services, copied} = await world(t, {gone: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ gone');
	await app.press('c');
	await app.waitFor('No env for gone');
	t.regex(app.frame(), /connection refused/);
	t.deepEqual(copied, []);
	await app.press(keys.escape);
	await app.waitFor(text => !text.includes('No env for gone'));
});

test('c copies the env exports of a reachable machine and shows them; C writes a Docker context', async t => {
	const {services, engine, copied} = await world(t);
	await bootstrapCertificates(engine);
	const serverFiles = {
		caCertPath: engine.certPaths.caCert,
		caKeyPath: engine.certPaths.caKey,
		serverCertPath: path.join(engine.store.root, 'daemon.pem'),
		serverKeyPath: path.join(engine.store.root, 'daemon-key.pem'),
	};
	await generateServerCertificate({...serverFiles, org: 'tester.daemon', hosts: ['127.0.0.1']});
	// A TLS endpoint that completes the handshake as a daemon with a certificate from our CA.
	const daemon = tls.createServer(
		{
			cert: await readFile(serverFiles.serverCertPath),
			key: await readFile(serverFiles.serverKeyPath),
			ca: await readFile(engine.certPaths.caCert),
			requestCert: true,
			rejectUnauthorized: true,
		},
		socket => socket.end(),
	);
	daemon.on('tlsClientError', () => undefined);
	await new Promise<void>(resolve => {
		daemon.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => daemon.close());
	await createMachine(engine, {name: 'live', driverName: 'none', given: {url: `tcp://127.0.0.1:${(daemon.address() as net.AddressInfo).port}`}});

	const app = renderApp(t, services);
	await app.waitFor('❯ live');
	await app.press('c');
	const frame = await app.waitFor('Copied with OSC 52');
	t.is(copied.length, 1);
	t.true(copied[0]!.startsWith('export DOCKER_TLS_VERIFY="1"\nexport DOCKER_HOST="tcp://127.0.0.1:'), copied[0]);
	t.true(frame.includes('export DOCKER_MACHINE_NAME="live"'), 'the text is shown to select by hand');
	t.regex(frame, /Copied the bash exports for live with OSC 52/);

	await app.press(keys.tab);
	await app.waitFor(text => text.includes('Env for live (cmd)') && text.includes('SET DOCKER_TLS_VERIFY=1'));
	t.true(copied[1]!.startsWith('SET DOCKER_TLS_VERIFY=1'), 'Tab switches the shell and copies again');
	t.is(services.preferences.get('envShell'), 'cmd');

	await app.press(keys.escape);
	await app.waitFor(text => !text.includes('Env for live'));
	await app.press('C');
	await app.waitFor('Docker context "live" written: docker context use live');
	const contexts = await readdir(path.join(engine.env.HOME!, '.docker', 'contexts', 'meta'));
	t.is(contexts.length, 1);
});

test('q quits; with an operation still running it asks first', async t => {
	// SSH that accepts and never answers: a restart on this generic machine runs until closed.
	const ssh = await tcpServer(t);
	ssh.goSilent();
	const {services, engine} = await world(t);
	await engine.store.claim('slow');
	await saveGenericMachine(engine, 'slow', {ip: '127.0.0.1', user: 'root', port: ssh.port});
	const quitted = watchQuit(services);

	const app = renderApp(t, services);
	await app.waitFor('❯ slow');
	await app.press('r');
	await app.waitFor('restarting');
	await app.press('q');
	await app.waitFor('Still running: restart slow');
	await app.press('n');
	await app.waitFor(text => !text.includes('Still running'));
	t.false(quitted());
	await app.press('q');
	await app.waitFor('Still running: restart slow');
	await app.press('y');
	t.true(await eventually(quitted), 'the app unmounted and stopped its poller');
});

test('Ctrl-C quits at once, even with a dialog open', async t => {
	const {services} = await world(t, {alpha: unreachable});
	const quitted = watchQuit(services);

	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('d');
	await app.waitFor('About to remove alpha');
	await app.press(keys.ctrlC);
	t.true(await eventually(quitted));
});

test('Enter shows the details of the machine, Esc goes back', async t => {
	const {services} = await world(t, {alpha: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press(keys.enter);
	const frame = await app.waitFor('CA cert');
	t.regex(frame, /Driver +none/);
	t.regex(frame, /IP +127\.0\.0\.1:1/);
	t.regex(frame, /CA cert +\d{4}-\d\d-\d\d \(in \d+ days\)/);
	t.regex(frame, /Last error +dial tcp 127\.0\.0\.1:1: connect: connection refused/);
	await app.press(keys.escape);
	await app.waitFor('❯ alpha');
});

test('a failed action stays on its row until dismissed in the operations view', async t => {
	const {services} = await world(t, {alpha: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('s');
	let frame = await app.waitFor('start failed: hosts without a driver');
	t.regex(frame, /1 failed \(o\)/);
	await app.press('o');
	frame = await app.waitFor('log of start alpha');
	t.regex(frame, /✖ start alpha/);
	t.regex(frame, /Starting "alpha"\.\.\./);
	await app.press(keys.enter);
	await app.waitFor('No operations yet');
	await app.press(keys.escape);
	frame = await app.waitFor('❯ alpha');
	t.false(frame.includes('start failed'));
});

test('a machine that stops answering says Timeout and keeps its last data', async t => {
	const daemon = await tcpServer(t);
	const url = `tcp://127.0.0.1:${daemon.port}`;
	const {services} = await world(t, {flaky: url}, {intervalMs: 100, timeoutMs: 300});
	const app = renderApp(t, services);
	let frame = await app.waitFor(text => /flaky +none +Running/.test(text));
	t.true(lineWith(frame, 'flaky').includes(url));
	daemon.goSilent();
	frame = await app.waitFor(text => /flaky +none +Timeout/.test(text));
	t.true(lineWith(frame, 'flaky').includes(url), 'the last URL stays');
	t.regex(lineWith(frame, 'flaky'), /no answer; data from \d+s ago/);
});

test('x on a machine without SSH says so', async t => {
	const {services} = await world(t, {alpha: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('x');
	await app.waitFor('Cannot SSH into alpha');
	t.regex(app.frame(), /has no SSH access/);
});

test('w opens the swarm view of the machine, which says why there is no swarm to show; Esc goes back', async t => {
	const {services} = await world(t, {alpha: unreachable});
	const app = renderApp(t, services);
	await app.waitFor('❯ alpha');
	await app.press('w');
	const frame = await app.waitFor('Machine "alpha" is not in a swarm');
	t.regex(frame, /machinist · alpha's swarm/);
	t.regex(frame, /swarm init alpha/, 'it says what to run');
	await app.press(keys.escape);
	await app.waitFor(text => text.includes('❯ alpha') && text.includes('1 machine'));
});
