import {execFile} from 'node:child_process';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {builtCli, repoRoot} from '../helpers/cli.js';
import {temporaryDir} from '../helpers/store.js';

/** The Node built-ins a cold run of the built CLI loaded, from Node's own load list. */
async function builtinsLoaded(t: Parameters<typeof temporaryDir>[0], args: readonly string[]): Promise<{stdout: string; builtins: string[]}> {
	const probe = path.join(await temporaryDir(t), 'probe.cjs');
	await writeFile(probe, 'process.on("exit", () => { process.stderr.write(JSON.stringify(process.moduleLoadList)); });');
	const store = path.join(repoRoot, 'test/fixtures/docker-machine-0.16.2');
	return new Promise(resolve => {
		execFile(
			process.execPath,
			['--require', probe, builtCli, ...args],
			{env: {PATH: process.env.PATH, MACHINE_STORAGE_PATH: store, HOME: store}},
			(_error, stdout, stderr) => {
				const list = JSON.parse(stderr) as string[];
				resolve({stdout, builtins: list.filter(entry => entry.startsWith('NativeModule ')).map(entry => entry.slice('NativeModule '.length))});
			},
		);
	});
}

test('ls -q and --version start without loading TLS: they never talk to a daemon', async t => {
	for (const args of [['ls', '-q'], ['--version']]) {
		const {stdout, builtins} = await builtinsLoaded(t, args);
		t.not(stdout, '');
		t.true(builtins.length > 10, 'the load list was read');
		t.false(builtins.includes('tls'), `${args.join(' ')} loaded node:tls`);
	}
});
