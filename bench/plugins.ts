/**
 * `ls` over machines made through a driver plugin (the Go test plugin, one plugin process per
 * machine, as docker-machine runs them) against `ls` over as many generic machines on the same
 * provisioned host, cold processes taking turns. Goal: the plugin machines' `ls` within 1.5× the
 * generic one. Then what the heartbeat costs while a plugin sits idle: the CPU time of this
 * process and of the plugin over an idle wait, beside the same wait without a plugin.
 *
 * Run as root: `npm run bench:plugins` (`-- --smoke` for the short form: 3 machines, one sample).
 */
import {execFile} from 'node:child_process';
import {cp, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {startPlugin} from '../source/engine/drivers/plugin/process.js';
import {builtCli} from '../test/helpers/cli.js';
import {goAvailable} from '../test/helpers/go.js';
import {startTestHost, testHostsAvailable} from '../test/helpers/hosts.js';
import {pluginPath} from '../test/helpers/plugin.js';
import {benchForm, inTurns, printTable, range, requireParts, runOnce, spread} from './measure.js';

const exec = promisify(execFile);
const form = benchForm(7);
const count = form.smoke ? 3 : 20;
const idleMs = form.smoke ? 2000 : 20_000;
requireParts('real test hosts', testHostsAvailable());
requireParts('Go (the test plugin is built from source)', goAvailable());

const scratch = await mkdtemp(path.join(os.tmpdir(), 'mbpl-'));
const stores = {generic: path.join(scratch, 'generic'), plugin: path.join(scratch, 'plugin')};
const key = path.join(scratch, 'key');
await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
const env = {PATH: await pluginPath(), HOME: scratch, USER: 'bench'};
const host = await startTestHost('systemd');

/** `count` copies of the provisioned machine m0 in `store`, as a generic or a plugin machine. */
async function cloneMachines(store: string, from: string, driver: 'generic' | 'testhost'): Promise<void> {
	const original = await readFile(path.join(from, 'machines', 'm0', 'config.json'), 'utf8');
	for (let index = 1; index <= count; index++) {
		const name = `m${index}`;
		const dir = path.join(store, 'machines', name);
		await cp(path.join(from, 'machines', 'm0'), dir, {recursive: true});
		const record = JSON.parse(original.replaceAll(path.join(from, 'machines', 'm0'), dir).replaceAll(from, store)) as {
			Name: string;
			DriverName: string;
			Driver: Record<string, unknown>;
		};
		record.Name = name;
		record.DriverName = driver;
		const {IPAddress, SSHUser, SSHPort, SSHKeyPath, SwarmMaster, SwarmHost, SwarmDiscovery} = record.Driver;
		if (driver === 'testhost') {
			// The test plugin's JSON: libmachine's BaseDriver fields, then its own.
			record.Driver = {IPAddress, MachineName: name, SSHUser, SSHPort, SSHKeyPath, StorePath: store, SwarmMaster, SwarmHost, SwarmDiscovery};
			Object.assign(record.Driver, {SSHKey: '', APIToken: '', Labels: [], Fast: false, Stopped: false});
		} else {
			record.Driver.MachineName = name;
		}

		await writeFile(path.join(dir, 'config.json'), JSON.stringify(record, undefined, 4));
	}

	await rm(path.join(store, 'machines', 'm0'), {recursive: true, force: true});
}

/** CPU milliseconds a process has used, from /proc (clock ticks of 10 ms). */
async function cpuMsOf(pid: number): Promise<number> {
	const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
	return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function idleCpu(withPlugin: boolean): Promise<{nodeMs: number; pluginMs: number}> {
	const plugin = withPlugin ? await startPlugin('testhost', env) : undefined;
	const pid = plugin?.child.pid;
	const pluginBefore = pid ? await cpuMsOf(pid) : 0;
	const before = process.cpuUsage();
	await new Promise(resolve => setTimeout(resolve, idleMs));
	const used = process.cpuUsage(before);
	const pluginMs = pid ? (await cpuMsOf(pid)) - pluginBefore : 0;
	await plugin?.close();
	return {nodeMs: (used.user + used.system) / 1000, pluginMs};
}

try {
	await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
	await exec(process.execPath, [builtCli, 'create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', key, 'm0'], {
		env: {...env, MACHINE_STORAGE_PATH: stores.generic},
	});
	await cp(stores.generic, stores.plugin, {recursive: true});
	await cloneMachines(stores.plugin, stores.generic, 'testhost');
	await cloneMachines(stores.generic, stores.generic, 'generic');

	// Both stores list every machine as running with its Docker version, or the figures mean nothing.
	for (const store of Object.values(stores)) {
		const {stdout} = await exec(process.execPath, [builtCli, 'ls', '--format', '{{.State}} {{.DockerVersion}} {{.Error}}'], {
			env: {...env, MACHINE_STORAGE_PATH: store},
		});
		const lines = stdout.trim().split('\n');
		if (lines.length !== count || !lines.every(line => /^Running v\S+ ?$/.test(line)))
			throw new Error(`ls in ${store} is not ${count} running machines:\n${stdout}`);
	}

	const [generic, plugin] = await inTurns(
		[
			async () => runOnce([builtCli, 'ls'], {...env, MACHINE_STORAGE_PATH: stores.generic}),
			async () => runOnce([builtCli, 'ls'], {...env, MACHINE_STORAGE_PATH: stores.plugin}),
		] as const,
		form.samples,
	);
	const idle = [await idleCpu(false), await idleCpu(true)];
	const baseline = spread(generic.map(sample => sample.wallMs));
	const through = spread(plugin.map(sample => sample.wallMs));
	const ratio = through.median / baseline.median;
	printTable(
		form,
		`ls over ${count} machines on one provisioned host, generic vs. a driver plugin: median of ${form.samples} with its spread`,
		['case', 'wall ms', 'spread', '× generic', 'goal'],
		[
			[`ls, ${count} generic machines (baseline)`, baseline.median.toFixed(0), range(baseline), '1.0', ''],
			[`ls, ${count} plugin machines`, through.median.toFixed(0), range(through), ratio.toFixed(2), `< 1.5×: ${ratio < 1.5 ? 'met' : 'missed'}`],
		],
	);
	printTable(
		form,
		`CPU time over ${idleMs / 1000} s idle, with and without a connected plugin (heartbeat every 5 s)`,
		['case', 'machinist CPU ms', 'plugin CPU ms'],
		[
			['no plugin (baseline)', idle[0]!.nodeMs.toFixed(0), '0'],
			['one plugin connected, idle', idle[1]!.nodeMs.toFixed(0), idle[1]!.pluginMs.toFixed(0)],
		],
	);
} finally {
	await host.stop();
	await rm(scratch, {recursive: true, force: true});
}
