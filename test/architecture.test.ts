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

test('the engine reads no process-wide settings: the environment comes in through createEngine, and on to drivers in their context', async t => {
	const engineFile = path.join(repoRoot, 'source/engine/engine.ts');
	for (const file of await sourceFiles('source/engine')) {
		const text = await readFile(file, 'utf8');
		const uses = text.match(/\bprocess\.env\b/g) ?? [];
		// createEngine falls back to process.env when a face gives no env: that one place only.
		t.is(
			uses.length,
			file === engineFile ? 1 : 0,
			`${path.relative(repoRoot, file)} reads process.env: take the env from the engine or the driver context`,
		);
	}
});

test('the command line and the app reach the engine only through engine/index.js', async t => {
	const engineDir = path.join(repoRoot, 'source/engine');
	const outside = (await sourceFiles('source')).filter(file => !file.startsWith(engineDir + path.sep));
	t.true(outside.length > 20);
	for (const file of outside) {
		const text = await readFile(file, 'utf8');
		const where = path.relative(repoRoot, file);
		for (const match of text.matchAll(/(?:from\s*|import\s*\(\s*)['"]([^'"]+)['"]/g)) {
			const specifier = match[1]!;
			if (!specifier.startsWith('.')) continue;
			const target = path.relative(path.join(repoRoot, 'source/engine'), path.resolve(path.dirname(file), specifier));
			if (target.startsWith('..')) continue;
			t.is(target, 'index.js', `${where} imports ${specifier}: import it from the engine's index.js instead`);
		}
	}
});

/** Every module a built file loads when imported: static imports and re-exports, followed. */
async function staticClosure(entry: string): Promise<{files: Set<string>; packages: Set<string>}> {
	const files = new Set<string>();
	const packages = new Set<string>();
	const pending = [entry];
	while (pending.length > 0) {
		const file = pending.pop()!;
		if (files.has(file)) continue;
		files.add(file);
		const text = await readFile(file, 'utf8');
		for (const match of text.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm)) {
			const specifier = match[1]!;
			if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier));
			else if (!specifier.startsWith('node:')) packages.add(specifier);
		}
	}

	return {files, packages};
}

test('importing the engine index loads no heavy package: they load inside the functions that need them', async t => {
	const {builtCli} = await import('./helpers/cli.js');
	const {files, packages} = await staticClosure(path.join(path.dirname(builtCli), 'engine/index.js'));
	t.true(files.size > 20, 'the walk found the engine modules');
	t.deepEqual(
		[...packages].filter(name => /^(node-forge|ssh2|@aws-sdk\/|conf$|ink|react)/.test(name)),
		[],
	);
});

test('commands and the CLI entry load no UI library and no cloud SDK at start-up', async t => {
	for (const file of [...(await sourceFiles('source/commands')), ...(await sourceFiles('source/cli')), path.join(repoRoot, 'source/cli.cts')]) {
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
		execFile(
			process.execPath,
			['--require', probe, builtCli, 'ls', '-q'],
			{env: {PATH: process.env.PATH, MACHINE_STORAGE_PATH: store}},
			(_error, stdout, stderr) => {
				resolve(stdout + stderr);
			},
		);
	});
	t.true(loaded.startsWith('p1\nsysd1\n'), loaded);
	t.false(loaded.includes('node-forge'), 'node-forge was loaded');
	t.false(loaded.includes('/ajv/'), 'conf was loaded');
});
