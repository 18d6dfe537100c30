import net from 'node:net';
import test from 'ava';
import {createEngine} from '../../../source/engine/engine.js';
import {createMachine} from '../../../source/engine/machines/create.js';
import {queryMachines} from '../../../source/engine/machines/query.js';
import {Store} from '../../../source/engine/store/store.js';
import {dockerMachineStore, temporaryDir} from '../../helpers/store.js';

test('a machine that does not answer in time is a Timeout row, without waiting for it', async t => {
	// A listening socket that accepts and never speaks: TLS hangs in the handshake.
	const silent = net.createServer(() => undefined);
	await new Promise<void>(resolve => {
		silent.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => silent.close());
	const {port} = silent.address() as net.AddressInfo;
	const engine = createEngine({storagePath: await temporaryDir(t), env: {}});
	await createMachine(engine, {name: 'silent', driverName: 'none', given: {url: `tcp://127.0.0.1:${port}`}});
	const {store} = engine;
	const started = Date.now();
	const statuses = await queryMachines(engine, await store.loadAll(), {timeoutMs: 300});
	// Any bound shows the time-out applied (the silent machine never answers); this one leaves
	// room for timers running late on a loaded 2-core machine.
	t.true(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
	t.is(statuses.length, 1);
	t.is(statuses[0]!.state, 'Timeout');
	t.is(statuses[0]!.problem, 'timeout');
});

test('a none machine whose daemon is down is an Error row saying why', async t => {
	const root = await dockerMachineStore(t);
	const store = new Store(root);
	const record = await store.load('p1');
	record.Driver.URL = 'tcp://127.0.0.1:1';
	await store.save(record);
	const engine = createEngine({storagePath: root, env: {}});
	const [status] = await queryMachines(engine, await store.loadAll(), {include: item => item.Name === 'p1'});
	t.is(status!.state, 'Error');
	t.is(status!.error, 'dial tcp 127.0.0.1:1: connect: connection refused');
});
