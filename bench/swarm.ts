/**
 * Swarm mode on real systemd test hosts. (1) `swarm init` + two `swarm join`s, against a baseline
 * of the same three steps done the way a docker-machine user did them: the docker CLI over SSH
 * (`docker swarm init`, `docker swarm join-token -q`, `docker swarm join` on each node).
 * (2) A cluster of 10 machines: `ls` and `swarm ls` latency, with `ls` before the swarm existed
 * as the baseline.
 *
 * Run as root: `npm run bench:swarm` (about 3 minutes on 2 cores).
 */
import {execFile} from 'node:child_process';
import os from 'node:os';
import {promisify} from 'node:util';
import {testHostsAvailable} from '../test/helpers/hosts.js';
import {genericMachines} from '../test/helpers/swarm-hosts.js';
import {median, requireTestHosts, timedMs} from './measure.js';

const exec = promisify(execFile);
const runs = Number(process.env.BENCH_RUNS ?? 5);
requireTestHosts(testHostsAvailable());

const cluster = await genericMachines(10, 'node');
try {
	const {hosts, names, key, machinist} = cluster;
	const ssh = async (ip: string, command: string) =>
		(await exec('ssh', ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=quiet', '-i', key, `root@${ip}`, command]))
			.stdout;
	const lsRuns = async (args: string[]) => {
		const samples: number[] = [];
		await machinist(...args);
		for (let run = 0; run < runs; run++) samples.push(await timedMs(async () => machinist(...args)));
		return median(samples);
	};

	// Measure against hosts that have finished booting, as real servers have.
	await Promise.all(hosts.map(async host => host.exec('systemctl is-system-running --wait >/dev/null 2>&1; true')));
	const lsBefore = await lsRuns(['ls']);

	// The baseline: nodes 4-6, by hand over SSH.
	const [b1, b2, b3] = [hosts[3]!, hosts[4]!, hosts[5]!];
	const baselineMs = await timedMs(async () => {
		await ssh(b1.ip, `docker swarm init --advertise-addr ${b1.ip}`);
		const manager = (await ssh(b1.ip, 'docker swarm join-token -q manager')).trim();
		const worker = (await ssh(b1.ip, 'docker swarm join-token -q worker')).trim();
		await ssh(b2.ip, `docker swarm join --token ${manager} --advertise-addr ${b2.ip} ${b1.ip}:2377`);
		await ssh(b3.ip, `docker swarm join --token ${worker} --advertise-addr ${b3.ip} ${b1.ip}:2377`);
	});
	await Promise.all([b1, b2, b3].map(async host => ssh(host.ip, 'docker swarm leave --force')));

	// Machinist: nodes 1-3.
	const machinistMs = await timedMs(async () => {
		await machinist('swarm', 'init', 'node1');
		await machinist('swarm', 'join', '--manager', 'node1', '--role', 'manager', 'node2');
		await machinist('swarm', 'join', '--manager', 'node1', 'node3');
	});

	await machinist('swarm', 'join', '--manager', 'node1', ...names.slice(3));
	const lsSwarm = await lsRuns(['ls']);
	const swarmLs = await lsRuns(['swarm', 'ls', 'node1']);
	const nodes = (await machinist('swarm', 'ls', '-q')).stdout.trim().split('\n').length;

	console.log(`swarm mode on systemd test hosts (${os.cpus().length} cores, Node ${process.version}); latency: median of ${runs}`);
	console.log('| measurement | ms | baseline ms | ratio |');
	console.log('|---|---:|---:|---:|');
	console.log(
		`| swarm init + 2 joins (Engine API over TLS) vs docker CLI over SSH | ${machinistMs.toFixed(0)} | ${baselineMs.toFixed(0)} | ${(machinistMs / baselineMs).toFixed(2)} |`,
	);
	console.log(
		`| ls, ${names.length} machines in one swarm vs. before the swarm | ${lsSwarm.toFixed(0)} | ${lsBefore.toFixed(0)} | ${(lsSwarm / lsBefore).toFixed(2)} |`,
	);
	console.log(`| swarm ls, ${nodes} nodes vs. ls before the swarm | ${swarmLs.toFixed(0)} | ${lsBefore.toFixed(0)} | ${(swarmLs / lsBefore).toFixed(2)} |`);
} finally {
	await cluster.stop();
}
