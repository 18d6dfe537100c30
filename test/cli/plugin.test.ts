import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {createEngine} from '../../source/engine/engine.js';
import {baseDriverConfig} from '../../source/engine/store/host.js';
import {machinist} from '../helpers/cli.js';
import {completions} from '../helpers/completion.js';
import {goAvailable} from '../helpers/go.js';
import {pluginPath} from '../helpers/plugin.js';
import {realTest, toolAvailable} from '../helpers/real.js';
import {saveGenericMachine, temporaryDir} from '../helpers/store.js';

const withGo = realTest(goAvailable());

async function setup(t: ExecutionContext, extra: NodeJS.ProcessEnv = {}) {
	const store = await temporaryDir(t, 'mpc-');
	return {store, env: {MACHINE_STORAGE_PATH: store, HOME: store, PATH: await pluginPath(), ...extra}};
}

/** A machine record a plugin made: the generic record with the plugin's name and JSON. */
async function savePluginMachine(store: string, name: string, driver: Record<string, unknown>): Promise<void> {
	const engine = createEngine({storagePath: store, env: {}});
	await engine.store.claim(name);
	await saveGenericMachine(engine, name, {ip: '127.0.0.1', user: 'root', port: 22});
	const host = await engine.store.load(name);
	await engine.store.save({...host, DriverName: 'testhost', Driver: {...baseDriverConfig(store, name), ...driver}});
}

withGo('create with a driver that is neither built in nor installed: one line naming the binary to install', async t => {
	const {env} = await setup(t);
	const result = await machinist(['create', '-d', 'nosuch', 'm1'], env);
	t.is(result.code, 1);
	t.regex(result.stderr, /^Driver "nosuch" is neither built in nor installed as a plugin: install docker-machine-driver-nosuch on your PATH[^\n]*\n$/);
});

withGo('create -d PLUGIN refuses what the plugin refuses, in docker-machine words', async t => {
	const {env} = await setup(t);
	const result = await machinist(['create', '-d', 'testhost', 'm1'], env);
	t.is(result.code, 1);
	t.is(result.stderr, 'Error setting machine configuration from flags provided: testhost driver requires the --testhost-ip option\n');
});

withGo("ls and status of a plugin machine: its state comes from the plugin; a crashing or missing plugin is the machine's error", async t => {
	const {store, env} = await setup(t);
	await savePluginMachine(store, 'up', {IPAddress: '127.0.0.1', SSHPort: 1, Stopped: true});
	const listed = await machinist(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}}'], env);
	t.is(listed.stdout, 'up testhost Stopped\n', listed.stderr);
	const crashing = await machinist(['status', 'up'], {...env, TESTHOST_PLUGIN_MODE: 'crash'});
	t.is(crashing.code, 1);
	t.regex(crashing.stderr, /docker-machine-driver-testhost exited with code 2 during GetState\n.*said:\n(?:.*\n)* {2}panic: test plugin crash\n/);
	const missing = await machinist(['ls', '--format', '{{.Name}} {{.State}} {{.Error}}'], {...env, PATH: process.env.PATH});
	t.regex(missing.stdout, /^up Error Driver "testhost" is neither built in nor installed as a plugin: install docker-machine-driver-testhost/);
});

realTest(goAvailable(), toolAvailable('bash', 'apt-get install bash'))("completion after -d PLUGIN offers the plugin's flags", async t => {
	const {store, env} = await setup(t);
	const printed = await machinist(['completion', 'bash'], env);
	t.is(printed.code, 0, printed.stderr);
	const scriptFile = path.join(store, 'completion.bash');
	await writeFile(scriptFile, printed.stdout);
	const answer = await completions('bash', {scriptFile, line: 'machinist create -d testhost --testhost-s', env, dir: store});
	t.deepEqual(answer.words.sort(), ['--testhost-ssh-key', '--testhost-ssh-port', '--testhost-ssh-user']);
	const drivers = await completions('bash', {scriptFile, line: 'machinist create -d ', env, dir: store});
	t.true(drivers.words.includes('testhost'), drivers.words.join(' '));
});
