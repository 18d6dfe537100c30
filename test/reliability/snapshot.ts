import {lstat, readFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {temporaryDir} from '../helpers/store.js';

/** A fresh store (inside `parent` named `dirName` when given) and the environment that points at it. */
export async function storeEnv(t: ExecutionContext, dirName?: string): Promise<{store: string; env: NodeJS.ProcessEnv}> {
	const parent = await temporaryDir(t);
	const store = dirName ? path.join(parent, dirName) : parent;
	return {store, env: {MACHINE_STORAGE_PATH: store, HOME: parent, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(parent, 'prefs')}};
}

/** Every file and directory under `root` with its mode and content: two equal snapshots mean nothing changed. */
export async function storeSnapshot(root: string): Promise<Record<string, string>> {
	const entries: Record<string, string> = {};
	const walk = async (dir: string): Promise<void> => {
		for (const name of await readdir(dir).catch(() => [] as string[])) {
			const file = path.join(dir, name);
			const info = await lstat(file);
			const relative = path.relative(root, file);
			if (info.isDirectory()) {
				entries[relative] = `dir ${(info.mode & 0o7777).toString(8)}`;
				await walk(file);
			} else {
				entries[relative] = `file ${(info.mode & 0o7777).toString(8)} ${(await readFile(file)).toString('base64')}`;
			}
		}
	};

	await walk(root);
	return entries;
}
