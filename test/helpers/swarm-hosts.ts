/**
 * N systemd test hosts, each made a `generic` machine in one fresh store: the cluster the
 * swarm benchmark and the swarm screenshot work on. Creates run a few at a time (2 cores).
 */
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {builtCli} from './cli.js';
import {startTestHost, type TestHost} from './hosts.js';

const exec = promisify(execFile);

export type GenericCluster = {
	hosts: TestHost[];
	names: string[];
	key: string;
	store: string;
	env: NodeJS.ProcessEnv;
	machinist(...args: string[]): Promise<{stdout: string; stderr: string}>;
	stop(): Promise<void>;
};

export async function genericMachines(count: number, prefix: string, options: {concurrency?: number} = {}): Promise<GenericCluster> {
	const scratch = await mkdtemp(path.join(os.tmpdir(), 'msw-'));
	const key = path.join(scratch, 'key');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
	const store = path.join(scratch, 'store');
	const env = {
		PATH: process.env.PATH,
		HOME: scratch,
		USER: 'ada',
		SHELL: '/bin/bash',
		MACHINE_STORAGE_PATH: store,
		MACHINIST_CONFIG_DIR: path.join(scratch, 'prefs'),
	};
	const machinist = async (...args: string[]) => exec(process.execPath, [builtCli, ...args], {env, maxBuffer: 16 * 1024 * 1024});
	const hosts: TestHost[] = [];
	const stop = async () => {
		await Promise.all(hosts.map(async host => host.stop()));
		await rm(scratch, {recursive: true, force: true});
	};

	try {
		const names = Array.from({length: count}, (_, index) => `${prefix}${index + 1}`);
		const concurrency = options.concurrency ?? 4;
		for (let start = 0; start < count; start += concurrency) {
			const batch = names.slice(start, start + concurrency);
			const started = await Promise.all(batch.map(async () => startTestHost('systemd')));
			hosts.push(...started);
			await Promise.all(
				started.map(async (host, index) => {
					await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
					await machinist('create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', key, batch[index]!);
				}),
			);
		}

		return {hosts, names, key, store, env, machinist, stop};
	} catch (error) {
		await stop();
		throw error;
	}
}
