import {readFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {createEngine} from '../../../source/engine/engine.js';
import {OperationRunner} from '../../../source/engine/machines/runner.js';
import {saveLocalVmMachine, temporaryDir} from '../../helpers/store.js';

test("the app's set runs in the background: a stopped qemu machine's new CPU count and memory are recorded, and its log says when they apply", async t => {
	const dir = await temporaryDir(t, 'mrs-');
	const engine = createEngine({storagePath: path.join(dir, 'store'), env: {HOME: dir, PATH: process.env.PATH}});
	const configFile = await saveLocalVmMachine(engine, 'vm', 'qemu', {CPU: 1, Memory: 1024, DiskSize: 2000});
	const runner = new OperationRunner(engine);
	const operation = runner.resize('vm', {cpus: 2, memoryMb: 1536});
	t.is(operation.kind, 'set');
	await new Promise<void>(resolve => {
		const stop = runner.subscribe(() => {
			if (operation.state === 'running') return;
			stop();
			resolve();
		});
	});
	t.is(operation.state, 'done', operation.error);
	t.is(operation.log.at(-1), 'Machine "vm" takes its new size at its next start.');
	t.like((JSON.parse(await readFile(configFile, 'utf8')) as {Driver: unknown}).Driver, {CPU: 2, Memory: 1536, DiskSize: 2000});
	const refused = runner.resize('vm', {memoryMb: 64});
	await new Promise<void>(resolve => {
		const stop = runner.subscribe(() => {
			if (refused.state === 'running') return;
			stop();
			resolve();
		});
	});
	t.is(refused.state, 'failed');
	t.is(refused.error, 'Error: --memory 64 is not a whole number of at least 256');
});
