/**
 * Swarm mode on real systemd test hosts. (1) `swarm init` + two `swarm join`s, against a baseline
 * of the same three steps on the same three hosts done the way a docker-machine user did them:
 * the docker CLI over SSH (`docker swarm init`, `docker swarm join-token -q`, `docker swarm join`
 * on each node). The two take turns, each round in the other order, and each leaves the swarm
 * again before the next. (2) A cluster of 10 machines (3 in the short form): `ls` and `swarm ls`
 * latency, with `ls` before the swarm existed as the baseline. Medians with their spread.
 *
 * Run as root: `npm run bench:swarm` (about 4 minutes on 2 cores; `-- --smoke` for the short form).
 */
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {testHostsAvailable} from '../test/helpers/hosts.js';
import {genericMachines} from '../test/helpers/swarm-hosts.js';
import {benchForm, inTurns, printTable, range, requireParts, spread, timedMs, type Spread} from './measure.js';

const exec = promisify(execFile);
const form = benchForm(5, 3);
const size = form.smoke ? 3 : 10;
requireParts('real test hosts', testHostsAvailable());

const cluster = await genericMachines(size, 'node');
try {
	const {hosts, names, key, machinist} = cluster;
	const ssh = async (ip: string, command: string) =>
		(await exec('ssh', ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=quiet', '-i', key, `root@${ip}`, command]))
			.stdout;
	/** Latency of commands, in turns, after one unmeasured run of each. */
	const latency = async (...commands: string[][]): Promise<Spread[]> => {
		for (const args of commands) await machinist(...args);
		const samples = await inTurns(
			commands.map(args => async () => timedMs(async () => machinist(...args))),
			form.samples,
		);
		return samples.map(values => spread(values));
	};

	// Measure against hosts that have finished booting, as real servers have.
	await Promise.all(hosts.map(async host => host.exec('systemctl is-system-running --wait >/dev/null 2>&1; true')));
	const [lsBefore] = await latency(['ls']);

	const [first, second, third] = [hosts[0]!, hosts[1]!, hosts[2]!];
	const [one, two, three] = [names[0]!, names[1]!, names[2]!];
	const byHand = async () => {
		const ms = await timedMs(async () => {
			await ssh(first.ip, `docker swarm init --advertise-addr ${first.ip}`);
			const manager = (await ssh(first.ip, 'docker swarm join-token -q manager')).trim();
			const worker = (await ssh(first.ip, 'docker swarm join-token -q worker')).trim();
			await ssh(second.ip, `docker swarm join --token ${manager} --advertise-addr ${second.ip} ${first.ip}:2377`);
			await ssh(third.ip, `docker swarm join --token ${worker} --advertise-addr ${third.ip} ${first.ip}:2377`);
		});
		await Promise.all([first, second, third].map(async host => ssh(host.ip, 'docker swarm leave --force')));
		return ms;
	};

	const withMachinist = async () => {
		const ms = await timedMs(async () => {
			await machinist('swarm', 'init', one);
			await machinist('swarm', 'join', '--manager', one, '--role', 'manager', two);
			await machinist('swarm', 'join', '--manager', one, three);
		});
		for (const name of [three, two, one]) await machinist('swarm', 'leave', name);
		return ms;
	};

	const [baselineMs, machinistMs] = (await inTurns([byHand, withMachinist], form.samples)).map(values => spread(values));

	await machinist('swarm', 'init', one);
	await machinist('swarm', 'join', '--manager', one, '--role', 'manager', two);
	await machinist('swarm', 'join', '--manager', one, ...names.slice(2));
	const [lsSwarm, swarmLs] = await latency(['ls'], ['swarm', 'ls', one]);
	const nodes = (await machinist('swarm', 'ls', '-q')).stdout.trim().split('\n').length;

	const row = (label: string, value: Spread, baseline: Spread) => [
		label,
		value.median.toFixed(0),
		range(value),
		baseline.median.toFixed(0),
		range(baseline),
		(value.median / baseline.median).toFixed(2),
	];
	printTable(
		form,
		`swarm mode on systemd test hosts: medians of ${form.samples} with their spread, baseline and Machinist in turns`,
		['measurement', 'ms', 'spread', 'baseline ms', 'spread', 'ratio'],
		[
			row('swarm init + 2 joins (Engine API over TLS) vs. docker CLI over SSH, same 3 hosts', machinistMs!, baselineMs!),
			row(`ls, ${names.length} machines in one swarm vs. before the swarm`, lsSwarm!, lsBefore!),
			row(`swarm ls, ${nodes} nodes vs. ls before the swarm`, swarmLs!, lsBefore!),
		],
	);
} finally {
	await cluster.stop();
}
