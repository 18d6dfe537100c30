import test from 'ava';
import qemu from '../../source/engine/drivers/qemu/index.js';
import {createEngine, createMachine, loadMachine} from '../../source/engine/index.js';
import {driverContext} from '../../source/engine/machine.js';
import {sshConnectOptions} from '../../source/engine/ssh/connect.js';
import {baseDriverConfig} from '../../source/engine/store/host.js';
import {temporaryDir} from '../helpers/store.js';

// The engine reads no process-wide settings: what a face gives createEngine is what drivers see.

test("a machine's driver context carries the engine's environment and the timings given for its driver", async t => {
	const env = {HOME: '/home/someone', PATH: '/nowhere'};
	const engine = createEngine({storagePath: await temporaryDir(t), env, driverTimings: {none: {dockerRestartMs: 5000}, qemu: {accelProbeMs: 1}}});
	await createMachine(engine, {name: 'm1', driverName: 'none', given: {url: 'tcp://127.0.0.1:2376'}});
	const context = driverContext(await loadMachine(engine, 'm1'));
	t.is(context.env, env);
	t.deepEqual(context.timings, {dockerRestartMs: 5000});
});

test("the qemu driver looks for its programs on the context's PATH, not the process's", async t => {
	const driver = qemu.fromConfig(baseDriverConfig(await temporaryDir(t), 'vm'));
	const machineDir = await temporaryDir(t);
	await t.throwsAsync(driver.preCreateCheck({machineDir, env: {PATH: '/nonexistent'}}), {message: /^QEMU is not installed \(qemu-system-\w+ not found\)/});
});

test("SSH to a machine without a key uses the agent, else ~/.ssh/id_rsa, of the engine's environment", t => {
	const details = {host: '192.0.2.1', port: 22, user: 'docker', keyPath: ''};
	t.like(sshConnectOptions('m1', details, '/store/machines/m1', {SSH_AUTH_SOCK: '/run/agent.sock', HOME: '/home/someone'}), {
		agent: '/run/agent.sock',
		privateKeyPath: undefined,
	});
	t.like(sshConnectOptions('m1', details, '/store/machines/m1', {HOME: '/home/someone'}), {agent: undefined, privateKeyPath: '/home/someone/.ssh/id_rsa'});
});
