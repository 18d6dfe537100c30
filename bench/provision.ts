/**
 * `create -d generic` and `provision` against a real systemd host (a booted Debian 12 container
 * whose Docker is installed, as on a stock server), with one `ssh HOST true` as the baseline
 * measured in the same run. Target: provision under 5 s (docker-machine 0.16.2: about 17 s on
 * this kind of host). Each sample is a fresh host; medians with their spread.
 *
 * Run as root: `npm run bench:provision` (`-- --smoke` for the short form: one host).
 */
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {builtCli} from '../test/helpers/cli.js';
import {startTestHost, testHostsAvailable} from '../test/helpers/hosts.js';
import {benchForm, printTable, range, requireParts, spread, timedMs} from './measure.js';

const exec = promisify(execFile);
const form = benchForm(3);
requireParts('real test hosts', testHostsAvailable());

const scratch = await mkdtemp(path.join(os.tmpdir(), 'mbp-'));
const key = path.join(scratch, 'key');
await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
const env = {PATH: process.env.PATH, HOME: scratch, USER: 'bench', MACHINE_STORAGE_PATH: path.join(scratch, 'store')};
const machinist = async (...args: string[]) => exec(process.execPath, [builtCli, ...args], {env});
const results: Record<string, number[]> = {baseline: [], create: [], provision: [], regenerate: []};
try {
	for (let run = 0; run < form.samples; run++) {
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

	const baseline = spread(results.baseline!);
	printTable(
		form,
		`machinist on a systemd host with Docker installed: median of ${form.samples} with its spread`,
		['operation', 'wall s', 'spread', '× ssh HOST true'],
		(
			[
				['ssh HOST true (baseline)', 'baseline'],
				['create -d generic', 'create'],
				['provision (again, nothing changed)', 'provision'],
				['regenerate-certs -f', 'regenerate'],
			] as const
		).map(([label, key]) => {
			const figure = spread(results[key]!.map(ms => ms / 1000));
			return [label, figure.median.toFixed(2), range(figure, 2), ((figure.median * 1000) / baseline.median).toFixed(1)];
		}),
	);
} finally {
	await rm(scratch, {recursive: true, force: true});
}
