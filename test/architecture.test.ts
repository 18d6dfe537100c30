import {readFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {repoRoot} from './helpers/cli.js';

async function sourceFiles(dir: string): Promise<string[]> {
	const entries = await readdir(path.join(repoRoot, dir), {withFileTypes: true, recursive: true});
	return entries.filter(entry => entry.isFile() && /\.tsx?$/.test(entry.name)).map(entry => path.join(entry.parentPath, entry.name));
}

test('the engine has no React, no Ink and prints nothing: faces do that', async t => {
	for (const file of await sourceFiles('source/engine')) {
		const text = await readFile(file, 'utf8');
		const where = path.relative(repoRoot, file);
		t.notRegex(text, /from ['"](react|ink)[/'"]/, `${where} imports a UI library`);
		t.notRegex(text, /\bconsole\.|process\.(stdout|stderr)\.write/, `${where} prints`);
	}
});

test('commands and the CLI entry load no UI library and no cloud SDK at start-up', async t => {
	for (const file of [...await sourceFiles('source/commands'), ...await sourceFiles('source/cli'), path.join(repoRoot, 'source/cli.ts')]) {
		const text = await readFile(file, 'utf8');
		const where = path.relative(repoRoot, file);
		t.notRegex(text, /^import [^;]*from ['"](react|ink|@aws-sdk\/[^'"]+)['"]/m, `${where} imports a heavy module statically`);
	}
});

test('a cold `ls -q` loads neither node-forge nor conf (ajv)', async t => {
	const {execFile} = await import('node:child_process');
	const {writeFile} = await import('node:fs/promises');
	const {builtCli} = await import('./helpers/cli.js');
	const {temporaryDir} = await import('./helpers/store.js');
	// CommonJS modules, which forge and conf's ajv are, land in require.cache however loaded.
	const probe = path.join(await temporaryDir(t), 'probe.cjs');
	await writeFile(probe, 'process.on("exit", () => { process.stderr.write(JSON.stringify(Object.keys(require.cache))); });');
	const store = path.join(repoRoot, 'test/fixtures/docker-machine-0.16.2');
	const loaded = await new Promise<string>(resolve => {
		execFile(process.execPath, ['--require', probe, builtCli, 'ls', '-q'], {env: {PATH: process.env['PATH'], MACHINE_STORAGE_PATH: store}}, (_error, stdout, stderr) => {
			resolve(stdout + stderr);
		});
	});
	t.true(loaded.startsWith('p1\nsysd1\n'), loaded);
	t.false(loaded.includes('node-forge'), 'node-forge was loaded');
	t.false(loaded.includes('/ajv/'), 'conf was loaded');
});
