import {mkdir, readFile, stat, writeFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {CorruptConfigError, Store, serializeHost} from '../../../source/engine/store/store.js';
import {MachineNotFoundError} from '../../../source/engine/errors.js';
import {
	assertValidMachineName,
	authOptionsFor,
	defaultCertPaths,
	defaultEngineOptions,
	defaultSwarmOptions,
	isValidMachineName,
} from '../../../source/engine/store/host.js';
import {dockerMachineStore, fixturesDir, temporaryDir} from '../../helpers/store.js';
import {deferred} from '../../helpers/wait.js';

test('reads the config.json files docker-machine 0.16.2 wrote', async t => {
	const store = new Store(await dockerMachineStore(t));
	t.deepEqual((await store.names()).sort(), ['p1', 'sysd1']);
	const generic = await store.load('sysd1');
	t.is(generic.DriverName, 'generic');
	t.is(generic.Driver.IPAddress, '10.200.1.2');
	t.is(generic.Driver.EnginePort, 2376);
	t.is(generic.HostOptions.AuthOptions.CaCertPath, '/home/user/.docker/machine/certs/ca.pem');
	const none = await store.load('p1');
	t.is(none.Driver.URL, 'tcp://127.0.0.1:23760');
});

test('rewriting a docker-machine record changes no byte of it', async t => {
	const root = await dockerMachineStore(t);
	const store = new Store(root);
	for (const name of ['p1', 'sysd1']) {
		const original = await readFile(path.join(fixturesDir, 'docker-machine-0.16.2', 'machines', name, 'config.json'), 'utf8');
		await store.save(await store.load(name));
		t.is(await readFile(store.configPath(name), 'utf8'), original);
	}
});

test('claimed and saved records are owner-only: directories 0700, config.json 0600', async t => {
	const root = path.join(await temporaryDir(t), 'store');
	const store = new Store(root);
	const host = await new Store(await dockerMachineStore(t)).load('p1');
	await t.throwsAsync(store.save(host), {instanceOf: MachineNotFoundError}, 'save never makes the directory');
	await store.claim('p1');
	await store.save(host);
	t.is((await stat(root)).mode & 0o777, 0o700);
	t.is((await stat(store.machinesDir)).mode & 0o777, 0o700);
	t.is((await stat(store.machineDir('p1'))).mode & 0o777, 0o700);
	t.is((await stat(store.configPath('p1'))).mode & 0o777, 0o600);
	t.deepEqual(await readdir(store.machineDir('p1')), ['config.json'], 'no temporary file is left behind');
});

test("a missing machine is reported as not found with docker-machine's message and exit code 1, naming the program invoked", async t => {
	const store = new Store(await dockerMachineStore(t));
	const error = await t.throwsAsync(store.load('nosuch'), {instanceOf: MachineNotFoundError});
	t.is(error.message, 'Docker machine "nosuch" does not exist. Use "machinist ls" to list machines. Use "machinist create" to add a new one.');
	t.is(error.exitCode, 1);
	const linked = new Store(store.root, 'docker-machine');
	const viaLink = await t.throwsAsync(linked.load('nosuch'), {instanceOf: MachineNotFoundError});
	t.is(viaLink.message, 'Docker machine "nosuch" does not exist. Use "docker-machine ls" to list machines. Use "docker-machine create" to add a new one.');
});

test('a config.json that does not parse is reported with its path and never rewritten', async t => {
	const store = new Store(await dockerMachineStore(t));
	const broken = '{"ConfigVersion": 3, "Driver": {';
	await writeFile(store.configPath('p1'), broken);
	const error = await t.throwsAsync(store.load('p1'), {instanceOf: CorruptConfigError});
	t.true(error.message.includes(store.configPath('p1')));
	t.false(error.message.includes('\n'));
	const entries = await store.loadAll();
	t.truthy(entries.find(entry => entry.name === 'p1')?.error);
	t.truthy(entries.find(entry => entry.name === 'sysd1')?.host);
	t.is(await readFile(store.configPath('p1'), 'utf8'), broken);
});

test('a record from a newer docker-machine is refused, not rewritten', async t => {
	const store = new Store(await dockerMachineStore(t));
	const future = (await readFile(store.configPath('p1'), 'utf8')).replace('"ConfigVersion": 3', '"ConfigVersion": 4');
	await writeFile(store.configPath('p1'), future);
	const error = await t.throwsAsync(store.load('p1'));
	t.regex(error.message, /config version is from the future/);
	t.is(await readFile(store.configPath('p1'), 'utf8'), future);
});

test('a version 0 record is migrated to v3 in memory and on disk, keeping a .bak', async t => {
	const root = await temporaryDir(t);
	const store = new Store(root);
	await mkdir(store.machineDir('old'), {recursive: true});
	const v0 = JSON.stringify({
		Driver: {IPAddress: '10.0.0.5', MachineName: 'old', SSHUser: 'root', SSHPort: 22},
		DriverName: 'generic',
		StorePath: path.join(root, 'machines', 'old'),
		CaCertPath: path.join(root, 'certs', 'ca.pem'),
		PrivateKeyPath: path.join(root, 'certs', 'ca-key.pem'),
		ServerCertPath: path.join(root, 'machines', 'old', 'server.pem'),
		ServerKeyPath: path.join(root, 'machines', 'old', 'server-key.pem'),
		ClientCertPath: path.join(root, 'certs', 'cert.pem'),
		ClientKeyPath: path.join(root, 'certs', 'key.pem'),
		SwarmMaster: false,
		SwarmHost: 'tcp://0.0.0.0:3376',
		SwarmDiscovery: '',
	});
	await writeFile(store.configPath('old'), v0);
	const host = await store.load('old');
	t.is(host.ConfigVersion, 3);
	t.is(host.Name, 'old');
	t.is(host.Driver.StorePath, root);
	t.is(host.HostOptions.AuthOptions.CaPrivateKeyPath, path.join(root, 'certs', 'ca-key.pem'));
	t.is(host.HostOptions.AuthOptions.CertDir, path.join(root, 'certs'));
	t.is(host.HostOptions.EngineOptions.InstallURL, 'https://get.docker.com');
	t.is(await readFile(`${store.configPath('old')}.bak`, 'utf8'), v0);
	const rewritten = JSON.parse(await readFile(store.configPath('old'), 'utf8')) as {ConfigVersion: number};
	t.is(rewritten.ConfigVersion, 3);
	t.deepEqual(Object.keys(rewritten), ['ConfigVersion', 'Driver', 'DriverName', 'HostOptions', 'Name']);
});

test('serialized records escape <, > and & as Go does', t => {
	const text = serializeHost({
		ConfigVersion: 3,
		Driver: {
			IPAddress: 'a<b>&c',
			MachineName: 'x',
			SSHUser: '',
			SSHPort: 0,
			SSHKeyPath: '',
			StorePath: '',
			SwarmMaster: false,
			SwarmHost: '',
			SwarmDiscovery: '',
		},
		DriverName: 'none',
		HostOptions: {
			Driver: 'none',
			Memory: 0,
			Disk: 0,
			EngineOptions: defaultEngineOptions(),
			SwarmOptions: defaultSwarmOptions(),
			AuthOptions: authOptionsFor('', 'x', defaultCertPaths('')),
		},
		Name: 'x',
	});
	t.true(text.includes(String.raw`a\u003cb\u003e\u0026c`));
});

test('hidden entries and plain files in machines/ are not machines', async t => {
	const store = new Store(await dockerMachineStore(t));
	await mkdir(path.join(store.machinesDir, '.trash'));
	await writeFile(path.join(store.machinesDir, 'notes.txt'), 'x');
	t.deepEqual((await store.names()).sort(), ['p1', 'sysd1']);
});

test('the machine lock serializes two writers and is re-entrant within one operation', async t => {
	const store = new Store(await dockerMachineStore(t));
	const order: string[] = [];
	const firstHolds = deferred();
	const secondWaits = deferred();
	const first = store.withLock('p1', async () => {
		order.push('first in');
		await store.withLock('p1', async () => {
			order.push('nested');
		});
		firstHolds.resolve();
		// Held until the second writer has found the lock taken.
		await secondWaits.promise;
		order.push('first out');
	});
	await firstHolds.promise;
	const second = store.withLock(
		'p1',
		async () => {
			order.push('second');
		},
		{
			onBusy() {
				secondWaits.resolve();
			},
		},
	);
	await Promise.all([first, second]);
	t.deepEqual(order, ['first in', 'nested', 'first out', 'second']);
});

test("work waiting for a machine's lock while another process removes the machine says it does not exist, and makes nothing", async t => {
	const store = new Store(await dockerMachineStore(t));
	const removerHolds = deferred();
	const waiterWaits = deferred();
	const remover = store.withLock('p1', async () => {
		removerHolds.resolve();
		await waiterWaits.promise;
		await store.remove('p1');
	});
	await removerHolds.promise;
	const error = await t.throwsAsync(
		store.withMachineLock('p1', async () => writeFile(path.join(store.machineDir('p1'), 'machinist.json'), '{}'), {
			onBusy() {
				waiterWaits.resolve();
			},
		}),
		{instanceOf: MachineNotFoundError},
	);
	await remover;
	t.regex(error.message, /Docker machine "p1" does not exist/);
	t.false(await store.exists('p1'), 'the removed directory is not made again');
});

test('a held lock makes a second writer fail with a message naming the holder', async t => {
	const store = new Store(await dockerMachineStore(t));
	await writeFile(path.join(store.machinesDir, '.p1.lock'), `${process.ppid}\nmachinist provision p1\n`);
	const error = await t.throwsAsync(store.withLock('p1', async () => undefined, {waitMs: 200}));
	t.regex(error.message, /Machine "p1" is busy: process \d+ \(machinist provision p1\)/);
});

test('a lock left by a process that is gone is taken over', async t => {
	const store = new Store(await dockerMachineStore(t));
	await writeFile(path.join(store.machinesDir, '.p1.lock'), '999999\nmachinist crashed\n');
	t.is(await store.withLock('p1', async () => 'ran', {waitMs: 200}), 'ran');
});

test("machine names follow docker-machine's hostname rule", t => {
	for (const name of ['default', 'a', 'web-1', 'node.example', 'A9']) t.true(isValidMachineName(name), name);
	for (const name of ['', '-x', '.x', 'bad name', 'a_b', 'a/b', 'ünï', '../etc']) t.false(isValidMachineName(name), name);
	t.throws(
		() => {
			assertValidMachineName('bad name');
		},
		{message: 'Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -'},
	);
});
