import net from 'node:net';
import test from 'ava';
import {createEngine, createMachine, matchesStateFilter, naturalCompare, parseFilters, queryMachines} from '../../../source/engine/index.js';
import {matchesRecordFilters} from '../../../source/engine/machines/filters.js';
import {authOptionsFor, defaultCertPaths, defaultEngineOptions, defaultSwarmOptions, type HostRecord} from '../../../source/engine/store/host.js';
import {Store} from '../../../source/engine/store/store.js';
import {dockerMachineStore, temporaryDir} from '../../helpers/store.js';

test('names sort naturally and case-insensitively, as ls lists them', t => {
	const names = ['node10', 'Node2', 'node1', 'alpha', 'node1a', 'beta-3', 'beta-20'];
	t.deepEqual(names.sort(naturalCompare), ['alpha', 'beta-3', 'beta-20', 'node1', 'node1a', 'Node2', 'node10']);
});

function host(name: string, driver: string, labels: string[] = [], swarm: Partial<HostRecord['HostOptions']['SwarmOptions']> = {}): HostRecord {
	return {
		ConfigVersion: 3,
		Driver: {
			IPAddress: '',
			MachineName: name,
			SSHUser: '',
			SSHPort: 0,
			SSHKeyPath: '',
			StorePath: '',
			SwarmMaster: false,
			SwarmHost: '',
			SwarmDiscovery: '',
		},
		DriverName: driver,
		HostOptions: {
			Driver: driver,
			Memory: 0,
			Disk: 0,
			EngineOptions: {...defaultEngineOptions(), Labels: labels},
			SwarmOptions: {...defaultSwarmOptions(), ...swarm},
			AuthOptions: authOptionsFor('', name, defaultCertPaths('')),
		},
		Name: name,
	};
}

const hosts = [
	host('web1', 'generic', ['env=prod', 'tier=web']),
	host('web2', 'none', ['env=Staging']),
	host('master', 'generic', [], {IsSwarm: true, Master: true, Discovery: 'token://abc'}),
	host('agent', 'generic', [], {IsSwarm: true, Discovery: 'token://abc'}),
];

function matching(flags: string[]): string[] {
	const filters = parseFilters(flags);
	return hosts.filter(item => matchesRecordFilters(item, hosts, filters)).map(item => item.Name);
}

test('driver filter compares case-insensitively; repeated keys OR, different keys AND', t => {
	t.deepEqual(matching(['driver=GENERIC']), ['web1', 'master', 'agent']);
	t.deepEqual(matching(['driver=none', 'driver=generic']), ['web1', 'web2', 'master', 'agent']);
	t.deepEqual(matching(['driver=generic', 'name=^web']), ['web1']);
});

test('name filter is an unanchored regular expression', t => {
	t.deepEqual(matching(['name=eb']), ['web1', 'web2']);
	t.deepEqual(matching(['name=^a']), ['agent']);
});

test('label filter matches key=value with the value case-insensitive, and a bare key matches any value', t => {
	t.deepEqual(matching(['label=env=STAGING']), ['web2']);
	t.deepEqual(matching(['label=env']), ['web1', 'web2']);
	t.deepEqual(matching(['label=tier=db']), []);
});

test('swarm filter matches the master sharing the discovery URL', t => {
	t.deepEqual(matching(['swarm=master']), ['master', 'agent']);
});

test('state filter compares state names case-insensitively, and state= matches None', t => {
	const filters = parseFilters(['state=running']);
	t.true(matchesStateFilter('Running', filters));
	t.false(matchesStateFilter('Stopped', filters));
	t.true(matchesStateFilter('None', parseFilters(['state='])));
});

test('bad filters are one-line errors that say what is accepted', t => {
	t.throws(() => parseFilters(['driver']), {message: 'Unsupported filter syntax "driver": use --filter key=value'});
	t.throws(() => parseFilters(['color=red']), {message: "Unsupported filter key 'color': use driver, state, name, label or swarm"});
	t.throws(() => parseFilters(['name=(']), {message: /^Invalid name filter "\(": /});
});

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
