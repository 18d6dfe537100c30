import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {baseDriverConfig} from '../../../../source/engine/store/host.js';
import {loadDriverDefinition} from '../../../../source/engine/drivers/registry.js';
import {closePlugins, setPluginLogSink} from '../../../../source/engine/drivers/plugin/lifecycle.js';
import {pluginDriver} from '../../../../source/engine/drivers/plugin/driver.js';
import {pluginTimings, startPlugin} from '../../../../source/engine/drivers/plugin/process.js';
import {resolveOptions} from '../../../../source/engine/options.js';
import {createOptionSpecs} from '../../../../source/engine/machines/create-options.js';
import {freePort} from '../../../../source/engine/vm/ports.js';
import {goAvailable} from '../../../helpers/go.js';
import {pluginPath, runningPlugins} from '../../../helpers/plugin.js';
import {realTest} from '../../../helpers/real.js';
import {temporaryDir} from '../../../helpers/store.js';

const withGo = realTest(goAvailable());

async function pluginEnv(t: ExecutionContext, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
	const dir = await temporaryDir(t, 'plugin-');
	return {PATH: await pluginPath(), HOME: dir, TESTHOST_PLUGIN_PIDS: path.join(dir, 'pids'), ...extra};
}

withGo.serial('a plugin declares its flags: name, usage, environment variable, default, type', async t => {
	const definition = await loadDriverDefinition('testhost', await pluginEnv(t));
	t.is(definition.description, 'Driver plugin docker-machine-driver-testhost');
	t.deepEqual(
		definition.options.map(option => [option.name, option.type, option.envVar, option.default]),
		[
			['testhost-ip', 'string', 'TESTHOST_IP', ''],
			['testhost-ssh-user', 'string', 'TESTHOST_SSH_USER', 'root'],
			['testhost-ssh-key', 'string', 'TESTHOST_SSH_KEY', ''],
			['testhost-ssh-port', 'int', 'TESTHOST_SSH_PORT', 22],
			['testhost-api-token', 'string', 'TESTHOST_API_TOKEN', ''],
			['testhost-label', 'string-list', undefined, ['plugin=testhost']],
			['testhost-fast', 'bool', 'TESTHOST_FAST', undefined],
		],
	);
});

withGo.serial('a machine through the plugin: options applied, state and power, the config is the plugin JSON, secrets never logged', async t => {
	const env = await pluginEnv(t);
	const lines: string[] = [];
	setPluginLogSink((_driver, line) => lines.push(line));
	t.teardown(() => {
		setPluginLogSink(undefined);
	});
	const definition = await loadDriverDefinition('testhost', env);
	const port = await freePort();
	const values = resolveOptions(
		[...createOptionSpecs, ...definition.options],
		{'testhost-ip': '127.0.0.1', 'testhost-ssh-port': port, 'testhost-api-token': 'sekrit-token-value', 'testhost-fast': true},
		{},
	);
	const store = String(env.HOME);
	const driver = definition.fromOptions(baseDriverConfig(store, 'p1'), values);
	await driver.applyOptions!(env);
	const context = {machineDir: path.join(store, 'machines', 'p1'), env};
	t.like(driver.config, {
		IPAddress: '127.0.0.1',
		MachineName: 'p1',
		SSHPort: port,
		SSHUser: 'root',
		StorePath: store,
		Labels: ['plugin=testhost'],
		Fast: true,
	});
	t.deepEqual(Object.keys(driver.config).slice(0, 9), Object.keys(baseDriverConfig(store, 'p1')));
	// Nothing listens on the port: the host is not up.
	t.is(await driver.getState(context), 'Stopped');
	await driver.start(context);
	await driver.stop(context);
	t.is(driver.config.Stopped, true);
	await t.throwsAsync(driver.getURL(context), {message: 'Host is not running'});
	t.is(await driver.getIP(context), '127.0.0.1');
	t.deepEqual(await driver.sshDetails(context), {host: '127.0.0.1', port, user: 'root', keyPath: ''});

	// A stored machine: a new plugin process is given the saved JSON.
	const stored = pluginDriver('testhost', structuredClone(driver.config));
	t.is(await stored.getState(context), 'Stopped');
	await stored.start(context);
	t.is(stored.config.Stopped, false);

	t.true(
		lines.some(line => line.includes('configured with token <REDACTED>')),
		lines.join('\n'),
	);
	t.false(lines.some(line => line.includes('sekrit-token-value')));
	await closePlugins();
	t.deepEqual(await runningPlugins(String(env.TESTHOST_PLUGIN_PIDS)), []);
});

withGo.serial('a plugin that is not installed is one line naming the binary to install', async t => {
	const error = await t.throwsAsync(loadDriverDefinition('nosuchdriver', await pluginEnv(t)));
	t.regex(error.message, /^Driver "nosuchdriver" is neither built in nor installed as a plugin: install docker-machine-driver-nosuchdriver on your PATH/);
	t.false(error.message.includes('\n'));
});

withGo.serial('a plugin that prints no address within the wait is ended, and says so', async t => {
	const env = await pluginEnv(t, {TESTHOST_PLUGIN_MODE: 'silent'});
	const before = pluginTimings.addressTimeoutMs;
	pluginTimings.addressTimeoutMs = 1000;
	t.teardown(() => {
		pluginTimings.addressTimeoutMs = before;
	});
	await t.throwsAsync(startPlugin('testhost', env), {message: /^docker-machine-driver-testhost did not print its address within 1 s/});
});

withGo.serial('a plugin that will not start as one, speaks another version, or listens beyond loopback is refused', async t => {
	await t.throwsAsync(startPlugin('testhost', await pluginEnv(t, {TESTHOST_PLUGIN_MODE: 'notoken'})), {
		message: /^docker-machine-driver-testhost did not start as a plugin: its first line was "This is a Docker Machine plugin binary\."/,
	});
	await t.throwsAsync(startPlugin('testhost', await pluginEnv(t, {TESTHOST_PLUGIN_MODE: 'version2'})), {
		message: /^docker-machine-driver-testhost speaks plugin protocol version 2; machinist speaks version 1/,
	});
	await t.throwsAsync(startPlugin('testhost', await pluginEnv(t, {TESTHOST_PLUGIN_MODE: 'public'})), {
		message: /^docker-machine-driver-testhost listens on "(0\.0\.0\.0|\[::]):\d+": a plugin must listen on 127\.0\.0\.1 only$/,
	});
});

withGo.serial('a plugin that crashes during a call: the error says so, with its last lines', async t => {
	const env = await pluginEnv(t, {TESTHOST_PLUGIN_MODE: 'crash'});
	const driver = pluginDriver('testhost', {...baseDriverConfig('/tmp', 'c1'), IPAddress: '127.0.0.1'});
	const error = await t.throwsAsync(driver.getState({machineDir: '/tmp', env}));
	t.regex(error.message, /^docker-machine-driver-testhost exited with code 2 during GetState\n/);
	t.regex(error.message, /about to crash/);
	t.regex(error.message, /panic: test plugin crash/);
	await closePlugins();
	t.deepEqual(await runningPlugins(String(env.TESTHOST_PLUGIN_PIDS)), []);
});

withGo.serial('heartbeats keep an idle plugin alive past its 10 s limit, and it answers after', async t => {
	t.timeout(60_000);
	const env = await pluginEnv(t);
	const plugin = await startPlugin('testhost', env);
	t.teardown(async () => plugin.close());
	await new Promise(resolve => {
		setTimeout(resolve, 12_000);
	});
	t.is(await plugin.call('GetVersion'), 1);
	t.deepEqual(await runningPlugins(String(env.TESTHOST_PLUGIN_PIDS)), [String(plugin.child.pid)]);
});

withGo.serial('cancelling a call ends its plugin: the call stops at once, and no process is left', async t => {
	const env = await pluginEnv(t, {TESTHOST_PLUGIN_MODE: 'slow'});
	const driver = pluginDriver('testhost', {...baseDriverConfig('/tmp', 's1'), IPAddress: '127.0.0.1'});
	const controller = new AbortController();
	setTimeout(() => {
		controller.abort(new Error('cancelled by the test'));
	}, 500);
	const started = Date.now();
	await t.throwsAsync(driver.create({machineDir: '/tmp', env, signal: controller.signal}), {message: 'cancelled by the test'});
	t.true(Date.now() - started < 5000);
	await closePlugins();
	t.deepEqual(await runningPlugins(String(env.TESTHOST_PLUGIN_PIDS)), []);
});
