/**
 * `set` on a virtualbox machine against the VBoxManage simulator (test/simulators/vboxmanage),
 * without a boot: a registered VM and its VDI, as create leaves them once stopped. VirtualBox keeps
 * the CPU count and memory in its VM, so set tells it (modifyvm) and grows the VDI (modifymedium).
 */
import {execFile} from 'node:child_process';
import {readFile, truncate, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {createEngine} from '../../source/engine/engine.js';
import {machinist} from '../helpers/cli.js';
import {realTest, toolAvailable} from '../helpers/real.js';
import {saveLocalVmMachine, temporaryDir} from '../helpers/store.js';
import {cleanupSimulator, homeVariable, simulatorBinDir} from '../simulators/vboxmanage/simulator.js';

const exec = promisify(execFile);

realTest(toolAvailable('qemu-img', 'apt-get install -y qemu-utils'))(
	'set on a stopped virtualbox machine tells VirtualBox the CPUs and memory, grows the VDI, and records the new size',
	async t => {
		t.timeout(3 * 60_000);
		const root = await temporaryDir(t, 'mvbs-');
		const store = path.join(root, 'store');
		const env: NodeJS.ProcessEnv = {
			MACHINE_STORAGE_PATH: store,
			HOME: root,
			PATH: `${simulatorBinDir}:${process.env.PATH ?? ''}`,
			[homeVariable]: path.join(root, 'vbox'),
		};
		t.teardown(async () => cleanupSimulator(String(env[homeVariable])));
		const vbox = async (...args: string[]) => (await exec('VBoxManage', args, {env: {...process.env, ...env}})).stdout;

		const engine = createEngine({storagePath: store, env});
		const configFile = await saveLocalVmMachine(engine, 'box', 'virtualbox', {CPU: 1, Memory: 1024, DiskSize: 1100});
		const machineDir = path.join(store, 'machines/box');
		const raw = path.join(root, 'image.raw');
		await writeFile(raw, '');
		await truncate(raw, 1100 * 1024 * 1024);
		await vbox('createvm', '--basefolder', machineDir, '--name', 'box', '--register');
		await vbox('modifyvm', 'box', '--cpus', '1', '--memory', '1024');
		await vbox('convertfromraw', raw, path.join(machineDir, 'disk.vdi'), '--format', 'VDI');

		const set = await machinist(['set', '--cpus', '2', '--memory', '1536', '--disk-size', '2000', 'box'], env);
		t.is(set.code, 0, set.stdout + set.stderr);
		t.regex(set.stdout, /Machine "box" takes its new size at its next start/);
		const info = await vbox('showvminfo', 'box', '--machinereadable');
		t.regex(info, /^cpus=2$/m);
		t.regex(info, /^memory=1536$/m);
		const disk = JSON.parse((await exec('qemu-img', ['info', '--output=json', path.join(machineDir, 'disk.vdi')])).stdout) as {'virtual-size': number};
		t.is(disk['virtual-size'], 2000 * 1024 * 1024);
		const saved = JSON.parse(await readFile(configFile, 'utf8')) as {Driver: Record<string, unknown>};
		t.like(saved.Driver, {CPU: 2, Memory: 1536, DiskSize: 2000});

		const again = await machinist(['set', '--disk-size', '1500', 'box'], env);
		t.is(again.stderr, 'the disk of box is 2000 MB and only grows: give --disk-size above 2000\n');
	},
);
