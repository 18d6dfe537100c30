/**
 * `create -d generic` and `provision` against a real systemd host (a booted Debian 12 container
 * whose Docker is installed, as on a stock server), with one `ssh HOST true` as the baseline
 * measured in the same run. Target: provision under 5 s (docker-machine 0.16.2: about 17 s on
 * this kind of host).
 *
 * Run as root: `npm run bench:provision`.
 */
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {builtCli} from '../test/helpers/cli.js';
import {startTestHost, testHostsAvailable} from '../test/helpers/hosts.js';
import {median, requireTestHosts, timedMs} from './measure.js';

const exec = promisify(execFile);
const runs = Number(process.env.BENCH_RUNS ?? 3);
requireTestHosts(testHostsAvailable());

const scratch = await mkdtemp(path.join(os.tmpdir(), 'mbp-'));
const key = path.join(scratch, 'key');
await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
const env = {PATH: process.env.PATH, HOME: scratch, USER: 'bench', MACHINE_STORAGE_PATH: path.join(scratch, 'store')};
const machinist = async (...args: string[]) => exec(process.execPath, [builtCli, ...args], {env});
const results: Record<string, number[]> = {baseline: [], create: [], provision: [], regenerate: []};
try {
	for (let run = 0; run < runs; run++) {
		const host = await startTestHost('systemd');
		try {
			await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
			// Docker starts at boot; measure against a host that has settled, as a real server has.
			await host.exec('systemctl is-system-running --wait >/dev/null 2>&1; true');
			const ssh = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=quiet', '-i', key, `root@${host.ip}`, 'true'];
			results.baseline!.push(await timedMs(async () => exec('ssh', ssh)));
			const name = `bench${run}`;
			results.create!.push(
				await timedMs(async () => machinist('create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', key, name)),
			);
			results.provision!.push(await timedMs(async () => machinist('provision', name)));
			results.regenerate!.push(await timedMs(async () => machinist('regenerate-certs', '-f', name)));
			await machinist('rm', '-y', name);
		} finally {
			await host.stop();
		}
	}

	const baseline = median(results.baseline!);
	console.log(`machinist on a systemd host with Docker installed: median of ${runs} (${os.cpus().length} cores, Node ${process.version})`);
	console.log('| operation | wall s | × ssh HOST true |');
	console.log('|---|---:|---:|');
	for (const [label, key] of [
		['ssh HOST true (baseline)', 'baseline'],
		['create -d generic', 'create'],
		['provision (again, nothing changed)', 'provision'],
		['regenerate-certs -f', 'regenerate'],
	] as const) {
		const value = median(results[key]!);
		console.log(`| ${label} | ${(value / 1000).toFixed(2)} | ${(value / baseline).toFixed(1)} |`);
	}
} finally {
	await rm(scratch, {recursive: true, force: true});
}
