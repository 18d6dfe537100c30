// `npm run build`: the module tree from TypeScript (build/), then the command line as CommonJS
// chunks (build/bundle/), which build/cli.cjs, the installed command, loads with a code cache,
// and the app as an ES module bundle (build/app.mjs). See source/cli.cts for why.
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {build, transform} from 'esbuild';

const require = createRequire(import.meta.url);
const bundleDir = 'build/bundle';

rmSync('build', {recursive: true, force: true});
try {
	execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], {stdio: 'inherit'});
} catch {
	// Tsc has printed what is wrong.
	process.exit(1);
}

// Files that are not TypeScript (the shell completion scripts) go beside the modules that read them.
cpSync('source', 'build', {recursive: true, filter: source => !/\.[cm]?tsx?$/.test(source)});

/**
 * In a pack, `import.meta.url` becomes a URL in build/ (see source/cli.cts); each module's own is
 * that resolved by its path there, so a module finds the files beside it as it does in build/.
 */
const ownImportMetaUrl = {
	name: 'own-import-meta-url',
	setup(builder) {
		builder.onLoad({filter: /\.js$/}, ({path: file}) => {
			const text = readFileSync(file, 'utf8');
			if (!text.includes('import.meta.url')) return undefined;
			const own = `new URL(${JSON.stringify(path.relative('build', file).split(path.sep).join('/'))}, import.meta.url).href`;
			return {contents: text.replaceAll('import.meta.url', own), loader: 'js'};
		});
	},
};

/** The app (React, Ink) is not in the packs: it is ESM with top-level await, and a command never needs it. */
const appOutside = {
	name: 'app-outside-the-bundle',
	setup(builder) {
		builder.onResolve({filter: /\/tui\/run\.js$/}, () => ({path: '../app.mjs', external: true}));
	},
};

// Split where the code imports lazily, so a command reads and compiles only what it runs.
// Names carry a hash of the content: the code cache is kept by file name.
const {outputFiles, metafile} = await build({
	entryPoints: ['build/cli/start.js'],
	outdir: bundleDir,
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	// Packages load from node_modules as they are; only this project's code is bundled.
	packages: 'external',
	plugins: [appOutside, ownImportMetaUrl],
	entryNames: '[name]-[hash]',
	chunkNames: 'chunk-[hash]',
	outExtension: {'.js': '.cjs'},
	write: false,
	metafile: true,
	logLevel: 'warning',
});

// Each chunk becomes CommonJS, the only form Node 20 keeps compiled code for, wrapped in a
// function. A chunk's lazy import of another goes through the loader (`importChunk`); imports
// of anything else (packages, the app) too (`importModule`), which imports them for real.
const chunks = new Map();
let entry = '';
for (const file of outputFiles) {
	const name = path.basename(file.path);
	// Every other dynamic import goes through the loader's importModule: import() inside a vm
	// script needs an option that Node 20 calls experimental and warns about on stderr.
	const source = file.text.replaceAll(/\bimport\((["'])\.\/([\w.-]+\.cjs)\1\)/g, 'importChunk("$2")').replaceAll(/\bimport\((?=["'])/g, 'importModule(');
	// Smaller to read and to cache; names are kept so a --debug stack trace still reads.
	const {code} = await transform(source, {
		format: 'cjs',
		platform: 'node',
		target: 'node20',
		minifyWhitespace: true,
		minifySyntax: true,
		define: {'import.meta.url': 'moduleUrl'},
		logLevel: 'warning',
	});
	const requires = [...code.matchAll(/\brequire\("\.\/([\w.-]+\.cjs)"\)/g)].map(match => match[1]);
	chunks.set(name, {code, requires});
	if (name.startsWith('start-')) entry = name;
}

/** A chunk and every chunk it requires, directly or not. */
function closure(name, into = new Set()) {
	if (into.has(name)) return into;
	into.add(name);
	for (const required of chunks.get(name).requires) closure(required, into);
	return into;
}

// Chunks that always load together go in one file (a pack), read and compiled as one script.
// A chunk loads when any of the roots whose static closure holds it loads (the entry at start,
// or a chunk imported lazily), so chunks with the same roots go together: the entry's closure
// is one pack, a lazily imported command with what only it needs another, and what several
// share is a pack of its own. Every chunk is in exactly one pack, so no module runs twice.
const roots = [entry, ...new Set([...chunks.values()].flatMap(({code}) => [...code.matchAll(/\bimportChunk\("([\w.-]+\.cjs)"\)/g)].map(match => match[1])))];
const closures = new Map(roots.map(root => [root, closure(root)]));
const groups = new Map();
for (const name of chunks.keys()) {
	const owners = roots.filter(root => closures.get(root).has(name));
	const key = owners.includes(entry) ? entry : owners.join(' ');
	groups.set(key, [...(groups.get(key) ?? []), name]);
}

const packOf = {};
const packs = [];
for (const members of groups.values()) {
	const text = `({${members.map(name => `${JSON.stringify(name)}: function (exports, require, module, __filename, __dirname, importChunk, importModule, moduleUrl) {"use strict";\n${chunks.get(name).code}\n}`).join(',\n')}})\n`;
	const file = `pack-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.cjs`;
	for (const name of members) packOf[name] = file;
	packs.push({file, text});
}

// The app, with Ink and React, bundled into build/app.mjs and a chunk per lazy import (app-*.mjs),
// beside the module tree so that import.meta.url still finds build-info.json: loading the app's,
// Ink's and React's ~600 modules one by one cost 0.45 s of CPU before the first frame, the
// bundle about 0.1 s.
// Packages the engine loads only inside the operations that need them stay outside: ssh2 has a
// native addon, the AWS SDK is large; react-devtools-core is loaded by Ink only under DEV=true
// and is not a dependency.
await build({
	entryPoints: {app: 'build/tui/run.js'},
	outdir: 'build',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	external: ['ssh2', '@aws-sdk/*', 'react-devtools-core'],
	plugins: [ownImportMetaUrl],
	entryNames: '[name]',
	chunkNames: 'app-[hash]',
	outExtension: {'.js': '.mjs'},
	// CommonJS packages (React) call require for Node's modules, which ES modules lack.
	banner: {js: "import {createRequire as createRequireForCommonJs} from 'node:module'; const require = createRequireForCommonJs(import.meta.url);"},
	minifyWhitespace: true,
	minifySyntax: true,
	logLevel: 'warning',
});

mkdirSync(bundleDir, {recursive: true});
for (const {file, text} of packs) writeFileSync(path.join(bundleDir, file), text);
writeFileSync(path.join(bundleDir, 'manifest.json'), JSON.stringify({entry, packOf}));
// For people, not the loader: which modules of build/ each pack holds, and their bytes.
const contents = {};
for (const [output, {inputs}] of Object.entries(metafile.outputs)) {
	const pack = packOf[path.basename(output)];
	for (const [input, {bytesInOutput}] of Object.entries(inputs)) (contents[pack] ??= {})[input] = bytesInOutput;
}

writeFileSync(path.join(bundleDir, 'contents.json'), `${JSON.stringify(contents, null, 1)}\n`);
chmodSync('build/cli.cjs', 0o755);
let commit = '';
try {
	commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
} catch {}

writeFileSync('build/build-info.json', JSON.stringify({commit}));
