import {readFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import ts from 'typescript';
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

/**
 * The engine's layers, lowest first: which layer each may import besides itself. A folder is one
 * layer; of the files at the engine's root, index.ts (the front door), engine.ts (the Engine value:
 * the store, TLS paths, environment) and machine.ts (a stored machine with its driver ready, the
 * handle access, provision, swarm and machines act on) have rows of their own, and every other one
 * is `base`: the types and helpers every layer shares (errors, options, progress, polling, programs,
 * machine states, the driver context and SSH details).
 *
 * Type-only imports obey the table too: a type names another layer's contract, so an upward type
 * import ties the lower layer to the upper one as surely as a call does (it is how every driver
 * came to depend on machines/), even though it costs nothing at run time. Lazy `import()` obeys it
 * too: loading late hides a cycle from the loader, not from the reader.
 */
const engineLayers: Readonly<Record<string, readonly string[]>> = {
	base: [],
	store: ['base'],
	ssh: ['base'],
	images: ['base'],
	vm: ['base'],
	engine: ['base', 'store'],
	certs: ['base', 'store', 'engine'],
	docker: ['base', 'certs'],
	drivers: ['base', 'store', 'ssh', 'images', 'vm'],
	machine: ['base', 'store', 'engine', 'drivers'],
	// Above the drivers, a driver is reached through the machine handle (machine.ts) only; the VM
	// parts and the image cache are the drivers' own business.
	access: ['base', 'store', 'ssh', 'engine', 'certs', 'docker', 'machine'],
	provision: ['base', 'store', 'ssh', 'engine', 'certs', 'machine', 'access'],
	swarm: ['base', 'store', 'engine', 'docker', 'machine', 'access'],
	machines: ['base', 'store', 'ssh', 'engine', 'certs', 'docker', 'drivers', 'machine', 'access', 'provision', 'swarm'],
	index: ['base', 'store', 'ssh', 'engine', 'certs', 'docker', 'drivers', 'machine', 'access', 'provision', 'swarm', 'machines'],
};

function engineLayer(relative: string): string {
	const [first, ...rest] = relative.split(path.sep);
	if (rest.length > 0) return first!;
	return {'index.ts': 'index', 'engine.ts': 'engine', 'machine.ts': 'machine'}[first!] ?? 'base';
}

/** Every module specifier a file names: static imports, `export … from`, `import()` and `import('…').Type`, type-only ones included. */
function importedSpecifiers(file: string, text: string): Array<{specifier: string; lazy: boolean}> {
	const found: Array<{specifier: string; lazy: boolean}> = [];
	const visit = (node: ts.Node): void => {
		if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
			found.push({specifier: node.moduleSpecifier.text, lazy: false});
		} else if (
			ts.isCallExpression(node) &&
			node.expression.kind === ts.SyntaxKind.ImportKeyword &&
			node.arguments[0] &&
			ts.isStringLiteral(node.arguments[0])
		) {
			found.push({specifier: node.arguments[0].text, lazy: true});
		} else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
			found.push({specifier: node.argument.literal.text, lazy: false});
		}

		ts.forEachChild(node, visit);
	};

	visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS));
	return found;
}

test('no import runs back up inside the engine: each layer imports only the layers below it, lazy and type-only imports included', async t => {
	const engineDir = path.join(repoRoot, 'source/engine');
	const upward: string[] = [];
	let crossings = 0;
	let lazyCrossings = 0;
	for (const file of await sourceFiles('source/engine')) {
		const from = engineLayer(path.relative(engineDir, file));
		const allowed = engineLayers[from];
		t.truthy(allowed, `${path.relative(repoRoot, file)} is in no layer: give its folder a row in engineLayers`);
		for (const {specifier, lazy} of importedSpecifiers(file, await readFile(file, 'utf8'))) {
			if (!specifier.startsWith('.')) continue;
			const target = path.relative(engineDir, path.resolve(path.dirname(file), specifier));
			const to = engineLayer(target);
			if (to === from) continue;
			crossings++;
			if (lazy) lazyCrossings++;
			if (!allowed?.includes(to)) upward.push(`${path.relative(repoRoot, file)} (${from}) imports ${specifier} (${to})`);
		}
	}

	t.deepEqual(upward, [], 'each layer may import only the layers its row in engineLayers names');

	// The walk must see the imports it judges, the lazy ones (index.ts loads operations on first call) too.
	t.true(crossings > 100, `only ${crossings} imports between layers found`);
	t.true(lazyCrossings > 10, `only ${lazyCrossings} lazy imports between layers found`);
});

test('the engine index exports only what the command line and the app use', async t => {
	const index = path.join(repoRoot, 'source/engine/index.ts');
	const exported: string[] = [];
	for (const statement of ts.createSourceFile(index, await readFile(index, 'utf8'), ts.ScriptTarget.Latest).statements) {
		if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
			exported.push(...statement.exportClause.elements.map(element => element.name.text));
		} else if (ts.isVariableStatement(statement) && statement.modifiers?.some(modifier => modifier.kind === ts.SyntaxKind.ExportKeyword)) {
			exported.push(...statement.declarationList.declarations.flatMap(declaration => (ts.isIdentifier(declaration.name) ? [declaration.name.text] : [])));
		}
	}

	const faces = [
		...(await sourceFiles('source/commands')),
		...(await sourceFiles('source/tui')),
		...(await sourceFiles('source/cli')),
		...(await sourceFiles('source/format')),
	];
	const faceText = (await Promise.all([...faces, path.join(repoRoot, 'source/cli.cts')].map(async file => readFile(file, 'utf8')))).join('\n');
	t.true(exported.length > 40, 'the walk found the exports');
	t.deepEqual(
		exported.filter(name => !new RegExp(String.raw`\b${name}\b`).test(faceText)),
		[],
		'exported by the engine index but used by no face: tests may import the module itself',
	);
});

/** The source file a relative `.js` specifier names: the `.ts` or `.tsx` beside it. */
async function sourceFileOf(from: string, specifier: string): Promise<string> {
	const base = path.resolve(path.dirname(from), specifier).replace(/\.js$/, '');
	const candidates = [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')];
	for (const candidate of candidates) {
		if (
			await readFile(candidate, 'utf8').then(
				() => true,
				() => false,
			)
		)
			return candidate;
	}

	throw new Error(`${path.relative(repoRoot, from)} imports ${specifier}, which is no source file`);
}

test("the app's state code reaches no view: reducers and what they import, type-only imports included, load no .tsx, React or Ink", async t => {
	const pending = await sourceFiles('source/tui/reducers');
	const seen = new Set<string>();
	const views: string[] = [];
	while (pending.length > 0) {
		const file = pending.pop()!;
		if (seen.has(file)) continue;
		seen.add(file);
		const where = path.relative(repoRoot, file);
		if (file.endsWith('.tsx')) views.push(`${where} is a view`);
		for (const {specifier} of importedSpecifiers(file, await readFile(file, 'utf8'))) {
			if (/^(react|ink)([/-]|$)/.test(specifier)) views.push(`${where} imports ${specifier}`);
			if (specifier.startsWith('.')) pending.push(await sourceFileOf(file, specifier));
		}
	}

	t.deepEqual(views, []);
	// The walk must reach the screens' state (the reducer dispatches to them) and the keymap.
	t.true([...seen].some(file => file.endsWith(path.join('screens', 'registry.ts'))));
	t.true([...seen].some(file => file.endsWith(path.join('tui', 'keymap.ts'))));
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
