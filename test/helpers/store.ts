import {cp, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A fresh directory removed when the test ends. */
export async function temporaryDir(t: ExecutionContext, prefix = 'machinist-'): Promise<string> {
	const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
	t.teardown(async () => rm(dir, {recursive: true, force: true}));
	return dir;
}

/** A copy of the store docker-machine 0.16.2 wrote (machines sysd1, generic, and p1, none). */
export async function dockerMachineStore(t: ExecutionContext): Promise<string> {
	const dir = await temporaryDir(t);
	await cp(path.join(fixturesDir, 'docker-machine-0.16.2'), dir, {recursive: true});
	return dir;
}
