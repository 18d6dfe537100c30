import path from 'node:path';
import test from 'ava';
import {machinistInProcess as run} from '../helpers/cli.js';
import {dockerMachineStore} from '../helpers/store.js';

test('bare machinist off a terminal prints what ls prints; --help still lists the commands', async t => {
	const store = await dockerMachineStore(t);
	const env = {MACHINE_STORAGE_PATH: store, HOME: store, MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	const [bare, ls] = await Promise.all([run([], env), run(['ls'], env)]);
	t.is(bare.code, ls.code);
	t.regex(bare.stdout, /^NAME +ACTIVE +DRIVER +STATE +URL +SWARM +DOCKER +ERRORS\np1 +- +none/);
	t.is(bare.stdout.split('\n')[0], ls.stdout.split('\n')[0]);
	t.regex((await run(['--help'], env)).stdout, /\n {2}ls *\t/);
});
