import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import {QmpClient} from '../../../source/engine/vm/qmp.js';
import {socketPathFor} from '../../../source/engine/vm/sockets.js';
import {temporaryDir} from '../../helpers/store.js';

/** A peer speaking QMP as QEMU 7.2 does: greeting, capabilities, events between replies. */
async function fakeQemu(
	socketPath: string,
	answer: (command: {execute: string; arguments?: Record<string, unknown>}) => unknown,
): Promise<{server: net.Server; received: string[]}> {
	const received: string[] = [];
	const server = net.createServer(socket => {
		socket.write('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}\r\n');
		let buffer = '';
		socket.on('data', chunk => {
			buffer += chunk.toString();
			let newline;
			while ((newline = buffer.indexOf('\n')) >= 0) {
				const command = JSON.parse(buffer.slice(0, newline)) as {execute: string; arguments?: Record<string, unknown>};
				buffer = buffer.slice(newline + 1);
				received.push(command.execute);
				socket.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "NIC_RX_FILTER_CHANGED", "data": {}}\r\n');
				const reply = command.execute === 'qmp_capabilities' ? {return: {}} : answer(command);
				if (reply !== undefined) socket.write(`${JSON.stringify(reply)}\r\n`);
			}
		});
	});
	await new Promise<void>(resolve => {
		server.listen(socketPath, resolve);
	});
	return {server, received};
}

test('the QMP client negotiates, skips events, returns results and turns errors into messages', async t => {
	const dir = await temporaryDir(t);
	const socketPath = path.join(dir, 'qmp.sock');
	const {server, received} = await fakeQemu(socketPath, command => {
		if (command.execute === 'query-status') return {return: {status: 'running', running: true}};
		if (command.execute === 'human-monitor-command') return {return: `ran ${String(command.arguments?.['command-line'])}\r\n`};
		return {error: {class: 'CommandNotFound', desc: `The command ${command.execute} has not been found`}};
	});
	t.teardown(() => server.close());
	const client = await QmpClient.connect(socketPath);
	t.deepEqual(await client.execute('query-status'), {status: 'running', running: true});
	t.is(await client.human('hostfwd_add net0 tcp:127.0.0.1:8080-:80'), 'ran hostfwd_add net0 tcp:127.0.0.1:8080-:80\r\n');
	await t.throwsAsync(client.execute('nonsense'), {message: 'QEMU refused nonsense: The command nonsense has not been found'});
	client.close();
	t.deepEqual(received, ['qmp_capabilities', 'query-status', 'human-monitor-command', 'nonsense']);
});

test('a monitor that stops answering times out instead of hanging', async t => {
	const dir = await temporaryDir(t);
	const socketPath = path.join(dir, 'qmp.sock');
	const {server} = await fakeQemu(socketPath, () => undefined);
	t.teardown(() => server.close());
	const client = await QmpClient.connect(socketPath);
	await t.throwsAsync(client.execute('system_powerdown', undefined, {timeoutMs: 300}), {message: /did not answer within/});
	client.close();
});

test("a socket that is not QEMU's is named as such; a missing one fails at once", async t => {
	const dir = await temporaryDir(t);
	const socketPath = path.join(dir, 'other.sock');
	const server = net.createServer(socket => socket.write('{"hello": 1}\n'));
	await new Promise<void>(resolve => {
		server.listen(socketPath, resolve);
	});
	t.teardown(() => server.close());
	await t.throwsAsync(QmpClient.connect(socketPath), {message: `${socketPath} is not a QEMU monitor socket`});
	await t.throwsAsync(QmpClient.connect(path.join(dir, 'missing.sock')), {code: 'ENOENT'});
});

test('the monitor socket of a machine in a deep store goes to a short private directory, one per machine', t => {
	const short = '/home/me/.docker/machine/machines/default';
	t.is(socketPathFor(short, 'qmp.sock', {}), `${short}/qmp.sock`);
	const deep = `/home/me/${'nested/'.repeat(15)}machines/default`;
	const chosen = socketPathFor(deep, 'qmp.sock', {XDG_RUNTIME_DIR: '/run/user/1000'});
	t.regex(chosen, /^\/run\/user\/1000\/machinist-[\da-f]{12}\/qmp\.sock$/);
	t.true(Buffer.byteLength(chosen) < 104);
	t.not(socketPathFor(`${deep}2`, 'qmp.sock', {XDG_RUNTIME_DIR: '/run/user/1000'}), chosen);
});
