import {execFile} from 'node:child_process';
import {copyFile, readFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {machinist, userShell} from '../helpers/cli.js';
import {busyboxImageTar, startTestHost, testHostsAvailable, type TestHost} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';
import {waitFor} from '../helpers/wait.js';

const withHosts = realTest(testHostsAvailable());

const exec = promisify(execFile);

/** Polls `check` until it returns a value, or fails with the last value seen. */
async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, last: () => string): Promise<T> {
	return waitFor(what, check, {timeoutMs, intervalMs: 1000, detail: () => `last seen:\n${last()}`});
}

/** Every file under `dir`, read as text: for secrets that must not be there. */
async function allText(dir: string): Promise<string> {
	const files = await readdir(dir, {recursive: true, withFileTypes: true});
	const texts = await Promise.all(files.filter(file => file.isFile()).map(async file => readFile(path.join(file.parentPath, file.name), 'utf8')));
	return texts.join('\n');
}

withHosts.serial(
	'three generic machines become one swarm: init, join as manager and worker, docker node ls, an overlay service with one task per node, a leader restart, leave and rm',
	async t => {
		t.timeout(300_000);
		const store = await temporaryDir(t, 'msw-');
		const hosts: TestHost[] = await Promise.all([startTestHost('systemd'), startTestHost('systemd'), startTestHost('systemd')]);
		t.teardown(async () => Promise.all(hosts.map(async host => host.stop())));
		const key = path.join(store, 'userkey');
		await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
		const tar = await busyboxImageTar();
		await Promise.all(
			hosts.map(async host => {
				await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
				// /tmp is a fresh tmpfs inside a booted host; /root is on its disk.
				await copyFile(tar, path.join(host.rootfs, 'root/busybox.tar'));
			}),
		);
		const env = {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
		const [mgr1, mgr2, wrk1] = hosts as [TestHost, TestHost, TestHost];
		const create = async (name: string, host: TestHost, extra: string[] = []) =>
			machinist(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', key, ...extra, name], env);
		const outputs: string[] = [];
		const run = async (args: string[], input?: string) => {
			const result = await machinist(args, env, input);
			outputs.push(result.stdout, result.stderr);
			return result;
		};

		const created = await Promise.all([create('mgr1', mgr1), create('mgr2', mgr2)]);
		for (const result of created) t.is(result.code, 0, result.stderr + result.stdout);
		const init = await run(['swarm', 'init', 'mgr1']);
		t.is(init.code, 0, init.stderr);
		t.regex(
			init.stdout,
			new RegExp(
				String.raw`Initialising a swarm on "mgr1", advertised at ${mgr1.ip.replaceAll('.', String.raw`\.`)}\.\.\.\n"mgr1" is the manager of swarm "mgr1"`,
			),
		);
		const joinManager = await run(['swarm', 'join', '--manager', 'mgr1', '--role', 'manager', 'mgr2']);
		t.is(joinManager.code, 0, joinManager.stderr);
		t.regex(joinManager.stdout, /"mgr2" joined swarm "mgr1" as a manager/);
		// The create-time shortcut: one command line makes a worker of mgr1's swarm.
		const worker = await create('wrk1', wrk1, ['--swarm-mode', 'worker', '--swarm-manager', 'mgr1']);
		outputs.push(worker.stdout, worker.stderr);
		t.is(worker.code, 0, worker.stderr + worker.stdout);
		t.regex(worker.stdout, /Docker is up and running!\nJoining "wrk1" to swarm "mgr1" as a worker\.\.\.\n"wrk1" joined swarm "mgr1" as a worker/);

		// The real docker CLI, pointed at the manager, sees three Ready nodes.
		const nodeLs = async (manager: string) =>
			userShell(env, `eval "$(machinist env ${manager})" && docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'`);
		let lastNodes = '';
		await eventually(
			'three Ready nodes',
			30_000,
			async () => {
				lastNodes = (await nodeLs('mgr1')).stdout;
				return lastNodes.split('\n').filter(line => line.includes(' Ready')).length === 3 ? true : undefined;
			},
			() => lastNodes,
		);
		t.deepEqual(
			lastNodes
				.trim()
				.split('\n')
				.map(line => line.trimEnd())
				.sort(),
			['mgr1 Ready Leader', 'mgr2 Ready Reachable', 'wrk1 Ready'],
		);

		const ls = await run(['ls', '--format', '{{.Name}} {{.Swarm}}']);
		t.is(ls.stdout, 'mgr1 mgr1 (leader)\nmgr2 mgr1 (manager)\nwrk1 mgr1 (worker)\n', ls.stderr);
		t.is((await run(['ls', '-q', '--filter', 'swarm=mgr1'])).stdout, 'mgr1\nmgr2\nwrk1\n');
		const inspected = JSON.parse((await run(['inspect', '--format', 'json', 'wrk1'])).stdout) as {
			SwarmMode: {Cluster: string; NodeID: string; Role: string};
		};
		t.like(inspected.SwarmMode, {Cluster: 'mgr1', Role: 'worker'});
		t.regex(inspected.SwarmMode.NodeID, /^[a-z\d]{25}$/);

		// An overlay network and one busybox task on each node, images imported locally (no registry).
		await Promise.all(hosts.map(async host => host.exec('docker import /root/busybox.tar busybox:machinist')));
		const deploy = await userShell(
			env,
			[
				'eval "$(machinist env mgr1)"',
				'docker network create --driver overlay appnet >/dev/null',
				'docker service create --detach --quiet --name sleeper --network appnet --mode replicated --replicas 3 --replicas-max-per-node 1 --endpoint-mode dnsrr busybox:machinist /bin/busybox sleep 600',
			].join(' && '),
		);
		t.is(deploy.code, 0, deploy.stderr);
		const tasks = async () =>
			(
				await userShell(
					env,
					'eval "$(machinist env mgr1)" && docker service ps sleeper --filter desired-state=running --format \'{{.Node}} {{.CurrentState}}\'',
				)
			).stdout;
		let lastTasks = '';
		await eventually(
			'three running tasks',
			60_000,
			async () => {
				lastTasks = await tasks();
				return lastTasks.split('\n').filter(line => line.includes(' Running ')).length === 3 ? true : undefined;
			},
			() => lastTasks,
		);
		t.deepEqual(
			lastTasks
				.trim()
				.split('\n')
				.map(line => line.split(' ')[0]!)
				.sort(),
			['mgr1', 'mgr2', 'wrk1'],
		);
		const swarmLs = await run(['swarm', 'ls', 'mgr2', '--format', '{{.Name}} {{.Role}} {{.ManagerStatus}} {{.State}} {{.Tasks}}']);
		t.is(swarmLs.stdout, 'mgr1 manager Leader Ready 1\nmgr2 manager Reachable Ready 1\nwrk1 worker  Ready 1\n', swarmLs.stderr);
		// The overlay carries traffic between nodes: the task on wrk1 reaches the one on mgr1.
		const target =
			(await mgr1.exec("docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' $(docker ps -q --filter name=sleeper)")).stdout
				.trim()
				.split(' ')[0] ?? '';
		t.regex(target, /^10\.0\./);
		const ping = await wrk1.exec(`docker exec $(docker ps -q --filter name=sleeper) /bin/busybox ping -c 1 -W 5 ${target}`);
		t.is(ping.code, 0, ping.stderr + ping.stdout);

		// Errors a user meets, one line each with the fix.
		const again = await run(['swarm', 'join', '--manager', 'mgr1', 'wrk1']);
		t.is(again.stderr, 'Machine "wrk1" is already in swarm "mgr1"\n');
		const viaWorker = await run(['swarm', 'join', '--manager', 'wrk1', 'mgr2']);
		t.is(viaWorker.stderr, 'Machine "wrk1" is a worker, not a manager: name a manager of its swarm (see "machinist swarm ls wrk1")\n');

		// Two managers: raft needs both for a quorum, so while the leader's dockerd restarts the swarm
		// cannot be managed; it must come back whole once the daemon is up again.
		const restarted = await mgr1.exec('systemctl restart docker.service');
		t.is(restarted.code, 0, restarted.stderr);
		let lastAfterRestart = '';
		await eventually(
			"the cluster back after the leader's restart",
			90_000,
			async () => {
				const listed = await machinist(['swarm', 'ls', 'mgr2', '--format', '{{.Name}} {{.State}} {{.ManagerStatus}}'], env);
				lastAfterRestart = listed.stdout + listed.stderr;
				const lines = listed.stdout.trim().split('\n');
				return lines.length === 3 && lines.every(line => line.includes(' Ready')) && lines.some(line => line.endsWith('Leader')) ? true : undefined;
			},
			() => lastAfterRestart,
		);
		await eventually(
			'three running tasks after the restart',
			60_000,
			async () => {
				lastTasks = await tasks();
				return lastTasks.split('\n').filter(line => line.includes(' Running ')).length === 3 ? true : undefined;
			},
			() => lastTasks,
		);

		// leave and rm shrink the cluster, and the docker CLI agrees.
		const left = await run(['swarm', 'leave', 'wrk1']);
		t.is(left.code, 0, left.stderr);
		t.regex(left.stdout, /"wrk1" left swarm "mgr1"/);
		t.deepEqual(
			(await nodeLs('mgr1')).stdout
				.trim()
				.split('\n')
				.map(line => line.split(' ')[0]!)
				.sort(),
			['mgr1', 'mgr2'],
		);
		t.is((await run(['ls', '--format', '{{.Name}} {{.Swarm}}', '--filter', 'name=wrk1'])).stdout, 'wrk1 \n');
		const removed = await run(['rm', '-y', 'mgr2']);
		t.is(removed.code, 0, removed.stderr);
		let lastAfterRm = '';
		await eventually(
			'one node after rm mgr2',
			30_000,
			async () => {
				lastAfterRm = (await nodeLs('mgr1')).stdout;
				return lastAfterRm.trim() === 'mgr1 Ready Leader' ? true : undefined;
			},
			() => lastAfterRm,
		);

		// rm of the last manager names the workers it leaves behind, and asks.
		t.is((await run(['swarm', 'join', '--manager', 'mgr1', 'wrk1'])).code, 0);
		const asked = await run(['rm', 'mgr1'], 'n\n');
		t.regex(
			asked.stdout,
			/WARNING: "mgr1" is the last manager of swarm "mgr1": its workers wrk1 will be left without a manager\.\nAre you sure\? \(y\/n\): /,
		);
		t.is((await run(['ls', '-q'])).stdout, 'mgr1\nwrk1\n');
		const refused = await run(['swarm', 'leave', 'mgr1']);
		t.regex(
			refused.stderr,
			/^Machine "mgr1" is the last manager of swarm "mgr1": its workers wrk1 would be left without a manager; join another manager first .* or pass --force\n$/,
		);
		t.is((await run(['rm', '-y', 'mgr1'])).code, 0);
		t.is((await run(['swarm', 'leave', 'wrk1'])).code, 0);
		t.is((await wrk1.exec('docker info --format {{.Swarm.LocalNodeState}}')).stdout.trim(), 'inactive');

		// The join tokens were never written to the store, printed, or put on a command line.
		t.notRegex(await allText(store), /SWMTKN/);
		t.notRegex(outputs.join('\n'), /SWMTKN/);
		for (const host of [mgr1, wrk1]) t.notRegex((await host.exec('ps -eo args')).stdout, /SWMTKN/);
	},
);

withHosts.serial('a join that cannot reach the manager names the address it tried and --advertise-addr, and leaves nothing half-joined', async t => {
	t.timeout(180_000);
	const store = await temporaryDir(t, 'msx-');
	const hosts: TestHost[] = await Promise.all([startTestHost('systemd'), startTestHost('systemd')]);
	t.teardown(async () => Promise.all(hosts.map(async host => host.stop())));
	const [manager, node] = hosts as [TestHost, TestHost];
	const key = path.join(store, 'userkey');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
	await Promise.all(hosts.map(async host => host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'))));
	const env = {MACHINE_STORAGE_PATH: store, HOME: store, MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	const created = await Promise.all([
		machinist(['create', '-d', 'generic', '--generic-ip-address', manager.ip, '--generic-ssh-key', key, '--swarm-mode', 'manager', 'm1'], env),
		machinist(['create', '-d', 'generic', '--generic-ip-address', node.ip, '--generic-ssh-key', key, 'n1'], env),
	]);
	for (const result of created) t.is(result.code, 0, result.stderr + result.stdout);
	t.regex(created[0].stdout, /"m1" is the manager of swarm "m1"/);
	t.is((await machinist(['ls', '--format', '{{.Name}} {{.Swarm}}'], env)).stdout, 'm1 m1 (leader)\nn1 \n');

	// The manager drops the cluster port, inside its own namespace.
	const blocked = await manager.exec(`iptables -I INPUT -p tcp --dport 2377 -s ${node.ip} -j DROP`);
	t.is(blocked.code, 0, blocked.stderr);
	const join = await machinist(['swarm', 'join', '--manager', 'm1', 'n1'], env);
	t.is(join.code, 1);
	t.regex(
		join.stderr,
		new RegExp(
			String.raw`^Cannot join "n1" to the swarm of "m1": "n1" could not reach the manager at ${manager.ip.replaceAll('.', String.raw`\.`)}:2377 \(.+\): open 2377/tcp on "m1" to "n1", or init the swarm with --advertise-addr set to an address "n1" can reach\n$`,
		),
	);
	t.is((await node.exec('docker info --format {{.Swarm.LocalNodeState}}')).stdout.trim(), 'inactive');
	t.is((await machinist(['ls', '--format', '{{.Name}} {{.Swarm}}', '--filter', 'name=n1'], env)).stdout, 'n1 \n');
});
