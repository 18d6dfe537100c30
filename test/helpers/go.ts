// Builds the Go fixtures (test/fixtures/go/NAME, standard library only) once per source version.
import {execFile} from 'node:child_process';
import {createHash, randomUUID} from 'node:crypto';
import {access, mkdir, readdir, readFile, rename} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {findProgram} from '../../source/engine/programs.js';
import {systemPath} from './hosts/process.js';

const exec = promisify(execFile);
const fixtures = fileURLToPath(new URL('../fixtures/go/', import.meta.url));

/** Whether Go is installed (benchmarks use this too, so it does not go through ava's helpers). */
export function goAvailable(): {ok: true} | {ok: false; why: string} {
	const found = findProgram('go', {PATH: [process.env.PATH, systemPath].filter(Boolean).join(':')});
	return found ? {ok: true} : {ok: false, why: 'go is not installed (apt-get install golang-go)'};
}

/**
 * The binary of test/fixtures/go/NAME, built into a cache keyed by the sources' hash: a changed
 * fixture is rebuilt, an unchanged one is not. Offline: GOPATH mode, no proxy, local toolchain.
 */
export async function goFixture(name: string, binaryName = name): Promise<string> {
	const key = `${name}/${binaryName}`;
	let built = builds.get(key);
	if (!built) {
		built = build(name, binaryName);
		builds.set(key, built);
	}

	return built;
}

const builds = new Map<string, Promise<string>>();

async function build(name: string, binaryName: string): Promise<string> {
	const source = path.join(fixtures, name);
	const files = (await readdir(source)).filter(file => file.endsWith('.go')).sort();
	const hash = createHash('sha256');
	for (const file of files) hash.update(file).update(await readFile(path.join(source, file)));
	const cache = path.join(process.env.MACHINIST_TEST_CACHE ?? path.join(os.tmpdir(), 'machinist-test-go'), `${name}-${hash.digest('hex').slice(0, 16)}`);
	const binary = path.join(cache, binaryName);
	if (
		await access(binary).then(
			() => true,
			() => false,
		)
	)
		return binary;
	await mkdir(cache, {recursive: true});
	const partial = `${binary}.${process.pid}.${randomUUID()}.partial`;
	const home = process.env.HOME ?? os.tmpdir();
	await exec('go', ['build', '-o', partial, '.'], {
		cwd: source,
		env: {
			...process.env,
			HOME: home,
			GOCACHE: process.env.GOCACHE ?? path.join(os.tmpdir(), 'machinist-test-gocache'),
			GO111MODULE: 'off',
			GOTOOLCHAIN: 'local',
			GOPROXY: 'off',
			GOFLAGS: '',
			CGO_ENABLED: '0',
		},
	});
	await rename(partial, binary);
	return binary;
}
