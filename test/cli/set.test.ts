import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import {createEngine} from '../../source/engine/engine.js';
import {machinistInProcess as run} from '../helpers/cli.js';
import {realTest, toolAvailable} from '../helpers/real.js';
import {saveGenericMachine, saveLocalVmMachine, temporaryDir} from '../helpers/store.js';

const exec = promisify(execFile);

/** A store with `web` (generic) and `vm`, a stopped qemu machine whose disk is a real 2000 MB qcow2 file. */
async function storeWithMachines(t: ExecutionContext) {
	const dir = await temporaryDir(t, 'mset-');
	const store = path.join(dir, 'store');
	const env = {MACHINE_STORAGE_PATH: store, HOME: dir, PATH: process.env.PATH};
	const engine = createEngine({storagePath: store, env});
	await engine.store.claim('web');
	await saveGenericMachine(engine, 'web', {ip: '10.0.0.7', user: 'root', port: 22});
	const configFile = await saveLocalVmMachine(engine, 'vm', 'qemu', {CPU: 1, Memory: 1024, DiskSize: 2000});
	const disk = path.join(store, 'machines/vm/disk.qcow2');
	const driver = async () => (JSON.parse(await readFile(configFile, 'utf8')) as {Driver: Record<string, unknown>}).Driver;
	return {env, disk, driver};
}

test('set refuses, in one line each, a machine that is not a local VM, no size, and sizes too small', async t => {
	const {env, driver} = await storeWithMachines(t);
	const cases: Array<[string[], RegExp]> = [
		[['set', '--cpus', '2', 'web'], /^machine web \(driver generic\) is not a local VM: set changes qemu and virtualbox machines only\n$/],
		[['set', 'vm'], /^Error: give --cpus, --memory or --disk-size\n$/],
		[['set', '--memory', '100', 'vm'], /^Error: --memory 100 is not a whole number of at least 256\n$/],
		[['set', '--cpus', '0', 'vm'], /^Error: --cpus 0 is not a whole number of at least 1\n$/],
		[['set', '--disk-size', '1500', 'vm'], /^the disk of vm is 2000 MB and only grows: give --disk-size above 2000\n$/],
		[['set', '--cpus', '2', 'nothere'], /nothere/],
	];
	for (const [args, message] of cases) {
		const result = await run(args, env);
		t.is(result.code, 1, args.join(' '));
		t.regex(result.stderr, message, args.join(' '));
	}

	t.like(await driver(), {CPU: 1, Memory: 1024, DiskSize: 2000}, 'nothing refused is recorded');
});

realTest(toolAvailable('qemu-img', 'apt-get install -y qemu-utils'))(
	'set on a stopped qemu machine records CPU and memory for its next start and grows its disk file',
	async t => {
		const {env, disk, driver} = await storeWithMachines(t);
		await exec('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '2000M']);
		const result = await run(['set', '--cpus', '3', '--memory', '2048', '--disk-size', '3000', 'vm'], env);
		t.is(result.code, 0, result.stderr);
		t.is(result.stdout, '(vm) Growing the disk to 3000 MB...\nMachine "vm" takes its new size at its next start (or now: machinist restart vm).\n');
		t.like(await driver(), {CPU: 3, Memory: 2048, DiskSize: 3000});
		const info = JSON.parse((await exec('qemu-img', ['info', '--output=json', disk])).stdout) as {'virtual-size': number};
		t.is(info['virtual-size'], 3000 * 1024 * 1024);
		const help = await run(['set', '--help'], env);
		t.regex(help.stdout, /--disk-size/);
		t.regex((await run(['--help'], env)).stdout, /\n {2}set\s+Change a local machine's CPUs, memory or disk size\n/);
	},
);
