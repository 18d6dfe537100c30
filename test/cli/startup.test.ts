import {execFile} from 'node:child_process';
import {chmod, readdir, readFile, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {builtCli, repoRoot} from '../helpers/cli.js';
import {temporaryDir} from '../helpers/store.js';

const fixtureStore = path.join(repoRoot, 'test/fixtures/docker-machine-0.16.2');
const compileCacheDir = (home: string) => path.join(home, '.cache', 'machinist', `${process.version}-${process.arch}`);

type Run = {code: number; stdout: string; stderr: string};

/** The built command, cold, in its own process, with only the given environment. */
async function runBuilt(args: readonly string[], env: NodeJS.ProcessEnv, nodeArguments: readonly string[] = []): Promise<Run> {
	return new Promise(resolve => {
		execFile(process.execPath, [...nodeArguments, builtCli, ...args], {env: {PATH: process.env.PATH, ...env}}, (error, stdout, stderr) => {
			resolve({code: error ? Number(error.code ?? 1) : 0, stdout, stderr});
		});
	});
}

/** The Node built-ins a cold run of the built CLI loaded, from Node's own load list. */
async function builtinsLoaded(t: ExecutionContext, args: readonly string[]): Promise<{stdout: string; builtins: string[]}> {
	const probe = path.join(await temporaryDir(t), 'probe.cjs');
	// Written with a plain write: process.stderr would load streams itself.
	await writeFile(probe, 'process.on("exit", () => { require("node:fs").writeSync(2, JSON.stringify(process.moduleLoadList)); });');
	const home = await temporaryDir(t);
	const {stdout, stderr} = await runBuilt(args, {MACHINE_STORAGE_PATH: fixtureStore, HOME: home}, ['--require', probe]);
	const list = JSON.parse(stderr) as string[];
	return {stdout, builtins: list.filter(entry => entry.startsWith('NativeModule ')).map(entry => entry.slice('NativeModule '.length))};
}

test('ls -q and --version start without loading TLS, crypto or streams: they never talk to a daemon', async t => {
	for (const args of [['ls', '-q'], ['--version']]) {
		const {stdout, builtins} = await builtinsLoaded(t, args);
		t.not(stdout, '');
		t.true(builtins.length > 10, 'the load list was read');
		for (const heavy of ['tls', 'crypto', 'stream', 'net']) t.false(builtins.includes(heavy), `${args.join(' ')} loaded node:${heavy}`);
	}
});

test('the first run keeps its compiled code in the private cache directory, and later runs print the same', async t => {
	const home = await temporaryDir(t);
	const env = {MACHINE_STORAGE_PATH: fixtureStore, HOME: home};
	const first = await runBuilt(['ls', '-q'], env);
	t.is(first.code, 0, first.stderr);
	t.is(first.stdout, 'p1\nsysd1\n');
	const dir = compileCacheDir(home);
	t.is((await stat(dir)).mode & 0o777, 0o700);
	const files = await readdir(dir);
	t.true(files.length > 0, 'code was cached');
	for (const file of files) {
		t.regex(file, /^[\w-]+\.cjs\.bin$/);
		t.is((await stat(path.join(dir, file))).mode & 0o777, 0o600, file);
	}

	// `ls -q` read only part of the command line: the drivers, create and the rest stayed on disk.
	const chunks = (await readdir(path.join(path.dirname(builtCli), 'bundle'))).filter(name => name.endsWith('.cjs'));
	t.true(files.length < chunks.length / 3, `${files.length} of ${chunks.length} chunks loaded`);

	const second = await runBuilt(['ls', '-q'], env);
	t.deepEqual(second, first);
	t.deepEqual(await readdir(dir), files, 'a run that found its code cached writes nothing');
});

test('a damaged cache, or one another user could have written, is not used and is replaced', async t => {
	const home = await temporaryDir(t);
	const env = {MACHINE_STORAGE_PATH: fixtureStore, HOME: home};
	// Reads the store only: the fixture's machines are not running, and a test sends nothing to them.
	const expected = await runBuilt(['inspect', 'p1'], env);
	t.is(expected.code, 0, expected.stderr);
	const dir = compileCacheDir(home);
	const files = await readdir(dir);
	const garbage = Buffer.alloc(4096, 7);
	for (const [index, file] of files.entries()) {
		await writeFile(path.join(dir, file), garbage);
		// Every other one is also writable by anybody: even valid code there must not run.
		if (index % 2) await chmod(path.join(dir, file), 0o666);
	}

	t.deepEqual(await runBuilt(['inspect', 'p1'], env), expected);
	for (const file of files) {
		const content = await readFile(path.join(dir, file));
		t.false(content.equals(garbage), `${file} was replaced`);
		t.is((await stat(path.join(dir, file))).mode & 0o777, 0o600, file);
	}
});

test('NODE_DISABLE_COMPILE_CACHE keeps nothing; NODE_COMPILE_CACHE moves the cache', async t => {
	const home = await temporaryDir(t);
	const off = await runBuilt(['ls', '-q'], {MACHINE_STORAGE_PATH: fixtureStore, HOME: home, NODE_DISABLE_COMPILE_CACHE: '1'});
	t.is(off.stdout, 'p1\nsysd1\n');
	t.deepEqual(await readdir(home), []);
	const elsewhere = await temporaryDir(t);
	const moved = await runBuilt(['ls', '-q'], {MACHINE_STORAGE_PATH: fixtureStore, HOME: home, NODE_COMPILE_CACHE: elsewhere});
	t.is(moved.stdout, 'p1\nsysd1\n');
	t.deepEqual(await readdir(home), []);
	t.true((await readdir(path.join(elsewhere, 'machinist', `${process.version}-${process.arch}`))).length > 0);
});

test('output to a reader that has gone is dropped quietly, as docker-machine’s would be', async t => {
	const {spawn} = await import('node:child_process');
	const home = await temporaryDir(t);
	const child = spawn(process.execPath, [builtCli, '--help'], {
		env: {PATH: process.env.PATH, MACHINE_STORAGE_PATH: fixtureStore, HOME: home},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	child.stdout.destroy();
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const code = await new Promise<number | null>(resolve => {
		child.on('close', resolve);
	});
	t.false(stderr.includes('EPIPE') || stderr.includes('internal error'), stderr);
	t.not(code, null);
});
