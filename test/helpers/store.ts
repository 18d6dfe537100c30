import {cp, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
import type {Engine} from '../../source/engine/engine.js';
import {authOptionsFor, baseDriverConfig, defaultEngineOptions, defaultSwarmOptions} from '../../source/engine/store/host.js';

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A fresh directory removed when the test ends. */
export async function temporaryDir(t: ExecutionContext, prefix = 'machinist-'): Promise<string> {
	const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
	t.teardown(async () => rm(dir, {recursive: true, force: true}));
	return dir;
}

/** A copy of the store docker-machine 0.16.2 wrote (machines sysd1, generic, and p1, none). */
export async function dockerMachineStore(t: ExecutionContext): Promise<string> {
	const dir = await temporaryDir(t);
	await cp(path.join(fixturesDir, 'docker-machine-0.16.2'), dir, {recursive: true});
	return dir;
}

/**
 * Stores a `generic` machine, already claimed, as `create -d generic` would have left it, without
 * reaching any host: for tests that need a machine at an address (one that answers, or one that
 * never does).
 */
export async function saveGenericMachine(engine: Engine, name: string, ssh: {ip: string; user: string; port: number; keyPath?: string}): Promise<void> {
	const store = engine.store.root;
	await engine.store.save({
		ConfigVersion: 3,
		Driver: {
			...baseDriverConfig(store, name),
			IPAddress: ssh.ip,
			SSHUser: ssh.user,
			SSHPort: ssh.port,
			...(ssh.keyPath ? {SSHKeyPath: ssh.keyPath} : {}),
			EnginePort: 2376,
			SSHKey: '',
		},
		DriverName: 'generic',
		HostOptions: {
			Driver: '',
			Memory: 0,
			Disk: 0,
			EngineOptions: defaultEngineOptions(),
			SwarmOptions: defaultSwarmOptions(),
			AuthOptions: authOptionsFor(store, name, engine.certPaths),
		},
		Name: name,
	});
}

/**
 * Stores a stopped local VM (`qemu` or `virtualbox`) of the given size, as create leaves one, without
 * its disk or VM: a test makes those it needs. Returns the record's file.
 */
export async function saveLocalVmMachine(
	engine: Engine,
	name: string,
	driverName: 'qemu' | 'virtualbox',
	size: {CPU: number; Memory: number; DiskSize: number},
): Promise<string> {
	await engine.store.claim(name);
	await saveGenericMachine(engine, name, {ip: '', user: 'docker', port: 1});
	const configFile = path.join(engine.store.machineDir(name), 'config.json');
	const record = JSON.parse(await readFile(configFile, 'utf8')) as {DriverName: string; Driver: Record<string, unknown>};
	record.DriverName = driverName;
	Object.assign(record.Driver, size, driverName === 'qemu' ? {Accel: 'tcg', AccelUsed: 'tcg', Forwards: []} : {});
	await writeFile(configFile, JSON.stringify(record));
	return configFile;
}
