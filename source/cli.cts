#!/usr/bin/env node
/*
 * The installed `machinist` command. A user with `eval "$(machinist env default)"` in a shell
 * profile pays its start at every new shell, so it starts the way that costs least on Node 20:
 *
 * - The command line is bundled (`npm run build`) into CommonJS chunks, split where the code
 *   imports lazily, and chunks that always load together share a file (a pack) in build/bundle/:
 *   `ls -q` reads and compiles two packs, not `create`'s drivers. Loading ES modules costs more
 *   per module, and Node 20 keeps no compiled code for them.
 * - Each pack's compiled code (V8's code cache) is kept between runs in the user's cache
 *   directory and handed back to V8, which checks it against the code and the Node binary
 *   and compiles afresh when it does not fit. Pack names carry a hash of their content, so an
 *   upgrade never meets an old cache. NODE_DISABLE_COMPILE_CACHE turns it off and
 *   NODE_COMPILE_CACHE moves it, as for Node's own compile cache, which is also turned on where
 *   Node has it (22.1 and later) for the packages and the app.
 * - The app (Ink, React) is not in the packs: it loads, with its own copy of the engine, from
 *   its own bundle (build/app.mjs, ES modules, for Ink's top-level await) when `machinist`
 *   opens it.
 */
import fs = require('node:fs');
import Module = require('node:module');
import path = require('node:path');
import url = require('node:url');
import vm = require('node:vm');

type ChunkModule = {exports: Record<string, unknown>};
type ChunkFunction = (
	exports: ChunkModule['exports'],
	require: (specifier: string) => unknown,
	module: ChunkModule,
	filename: string,
	dirname: string,
	importChunk: (name: string) => Promise<ChunkModule['exports']>,
	importModule: (specifier: string) => Promise<unknown>,
	moduleUrl: string,
) => void;
/** What the build wrote: the chunk that starts the command line, and the pack each chunk is in. */
type Manifest = {entry: string; packOf: Record<string, string>};

const bundleDir = path.join(__dirname, 'bundle');
const requireFromBundle = Module.createRequire(path.join(bundleDir, 'manifest.json'));
const loaded = new Map<string, ChunkModule>();
const chunkFunctions = new Map<string, ChunkFunction>();
const uncached: Array<{script: vm.Script; file: string}> = [];
const cacheDir = cacheDirectory(process.env);
/** build/ as a file: URL, once (chunk names need no escaping). */
const buildUrl = url.pathToFileURL(path.join(__dirname, path.sep)).href;
const manifest = JSON.parse(fs.readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')) as Manifest;

/** Where compiled code is kept; undefined when it must not be. */
function cacheDirectory(env: NodeJS.ProcessEnv): string | undefined {
	if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
	// HOME alone, not the password file: a process started with no HOME (a test, a service)
	// must not write into the account's real home.
	const base = env.NODE_COMPILE_CACHE ?? env.XDG_CACHE_HOME ?? (env.HOME ? path.join(env.HOME, '.cache') : undefined);
	return base ? path.join(base, 'machinist', `${process.version}-${process.arch}`) : undefined;
}

/** The cached code in `file`, if it is ours: a file another user could write could hold any code. */
function readOwnFile(file: string): Buffer | undefined {
	let descriptor: number | undefined;
	try {
		descriptor = fs.openSync(file, 'r');
		const stat = fs.fstatSync(descriptor);
		const owner = process.getuid?.() ?? stat.uid;
		if (stat.uid !== owner || (stat.mode & 0o022) !== 0) return undefined;
		return fs.readFileSync(descriptor);
	} catch {
		return undefined;
	} finally {
		if (descriptor !== undefined) fs.closeSync(descriptor);
	}
}

/**
 * Writes the code compiled during this run, each file whole or not at all; a failure costs
 * the next start only its head start. Caches of packs no build has any more, untouched for a
 * week, go (another installed version may still use its own).
 */
function writeCaches(directory: string): void {
	try {
		fs.mkdirSync(directory, {recursive: true, mode: 0o700});
		for (const {script, file} of uncached) {
			const temporary = `${file}.${process.pid}.tmp`;
			fs.writeFileSync(temporary, script.createCachedData(), {mode: 0o600});
			fs.renameSync(temporary, file);
		}

		const current = new Set(fs.readdirSync(bundleDir));
		const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
		for (const name of fs.readdirSync(directory)) {
			const file = path.join(directory, name);
			const pack = /^(.+\.cjs)\.bin$/.exec(name)?.[1];
			if (pack && !current.has(pack) && fs.statSync(file).mtimeMs < weekAgo) fs.rmSync(file, {force: true});
		}
	} catch {}
}

/** Reads and compiles a pack (with its cached code when there is some) and learns its chunks. */
function loadPack(pack: string): void {
	const file = path.join(bundleDir, pack);
	const cacheFile = cacheDir && path.join(cacheDir, `${pack}.bin`);
	const cachedData = cacheFile ? readOwnFile(cacheFile) : undefined;
	const script = new vm.Script(fs.readFileSync(file, 'utf8'), {filename: file, cachedData});
	if (cacheFile && (!cachedData || script.cachedDataRejected)) uncached.push({script, file: cacheFile});
	for (const [name, run] of Object.entries(script.runInThisContext() as Record<string, ChunkFunction>)) chunkFunctions.set(name, run);
}

function loadChunk(name: string): ChunkModule['exports'] {
	const known = loaded.get(name);
	if (known) return known.exports;
	const pack = manifest.packOf[name];
	if (pack && !chunkFunctions.has(name)) loadPack(pack);
	const run = chunkFunctions.get(name);
	if (!run) throw new Error(`${name} is not in ${bundleDir}: run \`npm run build\` again, or reinstall machinist`);
	const chunk: ChunkModule = {exports: {}};
	// Registered before it runs: chunks that import each other get the exports object, whose
	// properties are getters that work once the chunk has run.
	loaded.set(name, chunk);
	// The code was written as modules of build/: each module's `import.meta.url` is its own path
	// there resolved against this URL (scripts/build.mjs), so it finds the files beside it.
	run(chunk.exports, chunkRequire, chunk, path.join(bundleDir, name), bundleDir, importChunk, importModule, `${buildUrl}${name}`);
	return chunk.exports;
}

function chunkRequire(specifier: string): unknown {
	return specifier.startsWith('./') ? loadChunk(specifier.slice(2)) : requireFromBundle(specifier);
}

/** A package, a built-in or the app, imported from here for the packs; their paths are relative to build/bundle/. */
async function importModule(specifier: string): Promise<unknown> {
	return import(specifier.startsWith('.') ? url.pathToFileURL(path.resolve(bundleDir, specifier)).href : specifier);
}

async function importChunk(name: string): Promise<ChunkModule['exports']> {
	return loadChunk(name);
}

const moduleApi = Module as typeof Module & {enableCompileCache?: (directory?: string) => unknown};
if (cacheDir) {
	moduleApi.enableCompileCache?.(cacheDir);
	// At exit the code cache also holds every function this run compiled, not just the top level.
	process.once('exit', () => {
		if (uncached.length > 0) writeCaches(cacheDir);
	});
}

loadChunk(manifest.entry);
