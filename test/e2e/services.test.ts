import {builtCli} from '../helpers/cli.js';
import {docker, dockerCliAvailable, machineWithContainers} from '../helpers/containers.js';
import {dockerdAvailable} from '../helpers/dockerd.js';
import {realTest} from '../helpers/real.js';
import {TmuxSession, tmuxAvailable} from '../helpers/tmux.js';
import {waitFor} from '../helpers/wait.js';

const withDaemons = realTest(dockerdAvailable(), dockerCliAvailable(), tmuxAvailable());

/** Each task says its own name and a count, a line a second: `web.2 7`. */
const script = 'i=0; while true; do echo "$TASK $i"; i=$((i+1)); sleep 1; done';

withDaemons.serial(
	'on a one-node swarm the services screen matches docker service ls and ps, scales 2→3, and shows the tasks’ logs merged in time order with task@node in front',
	async t => {
		t.timeout(300_000);
		const {dockerd, env} = await machineWithContainers(t);
		const terminal = {...env, USER: 'tester', SHELL: '/bin/sh', TERM: 'xterm-256color'};
		const session = await TmuxSession.start([process.execPath, builtCli], terminal, {columns: 160, rows: 40});
		t.teardown(async () => session.stop());
		await session.waitFor(/box +none +Running/, 30_000);

		// Before the swarm: the key says in one line why there is nothing to show.
		await session.keys('v');
		await session.waitFor(/box is not a swarm manager: its daemon is not in a swarm \(inactive\): run "machinist swarm init box" to make one/, 20_000);
		await session.keys('Escape');

		await docker(dockerd, 'swarm', 'init', '--advertise-addr', '127.0.0.1');
		t.teardown(async () => {
			await docker(dockerd, 'swarm', 'leave', '--force');
		});
		const template = ['--detach', '--no-resolve-image', '--name', 'web', '--env', 'TASK=web.{{.Task.Slot}}'];
		await docker(dockerd, 'service', 'create', ...template, '--replicas', '2', 'busybox:machinist', 'sh', '-c', script);
		let serviceLs = '';
		const replicas = async () => {
			serviceLs = await docker(dockerd, 'service', 'ls', '--format', '{{.Name}} {{.Mode}} {{.Replicas}} {{.Image}}');
			return serviceLs;
		};

		await waitFor('web runs 2/2', async () => (await replicas()) === 'web replicated 2/2 busybox:machinist', {timeoutMs: 60_000, detail: () => serviceLs});
		const hostname = await docker(dockerd, 'node', 'ls', '--format', '{{.Hostname}}');

		await session.keys('v');
		const listed = await session.waitFor(/web +replicated +2\/2 +busybox:machinist/, 20_000);
		t.regex(listed, /services of box's swarm/);
		for (const line of (await replicas()).split('\n')) {
			const [name, mode, count, image] = line.split(' ');
			t.regex(listed, new RegExp(`❯ ${name} +${mode} +${count} +${image}`), listed);
		}

		const ps = (await docker(dockerd, 'service', 'ps', 'web', '--format', '{{.Name}} {{.Node}} {{.DesiredState}}')).split('\n');
		t.is(ps.length, 2);
		t.regex(listed, new RegExp(`^ *${hostname}$`, 'm'), 'the tasks are grouped under their node');
		for (const line of ps) {
			const [name, node, desired] = line.split(' ');
			t.is(node, hostname);
			t.regex(listed, new RegExp(String.raw`${name!.replace('.', String.raw`\.`)} +${desired!.toLowerCase()} +running`), listed);
		}

		await session.keys('s');
		await session.waitFor(/Scale web to .* replicas \(now 2\)/);
		await session.type('x');
		await session.keys('Enter');
		await session.waitFor(/"x" is not a number of replicas/);
		await session.keys('BSpace');
		await session.type('3');
		await session.keys('Enter');
		await session.waitFor(/web +replicated +3\/3 +busybox:machinist/, 60_000);
		t.is(await docker(dockerd, 'service', 'inspect', '--format', '{{.Spec.Mode.Replicated.Replicas}}', 'web'), '3');
		await session.waitFor(screen => /web\.3 +running +running/.test(screen));

		// Let every task write a few lines, so the backlog holds all three, interleaved in time.
		await new Promise(resolve => {
			setTimeout(resolve, 3000);
		});
		// What the daemon had before this instant is the backlog it sends task after task; lines after it are followed as they come.
		const opened = new Date().toISOString().slice(11, 23);
		await session.keys('l');
		const source = (slot: number) => new RegExp(String.raw`web\.${slot}@${hostname} +web\.${slot} \d+`);
		const logs = await session.waitFor(screen => [1, 2, 3].every(slot => source(slot).test(screen)), 30_000);
		t.regex(logs, /logs of service web \(box's swarm\)/);
		await session.keys('t');
		const timed = await session.waitFor(/\d\d:\d\d:\d\d\.\d+ +web\.\d@/);
		const backlog = timed
			.split('\n')
			.map(line => /(\d\d:\d\d:\d\d\.\d+) +(web\.\d)@/.exec(line))
			.filter(match => match !== null && match[1]! < opened)
			.map(match => ({time: match![1]!, task: match![2]!}));
		t.deepEqual([...new Set(backlog.map(line => line.task))].sort(), ['web.1', 'web.2', 'web.3'], timed);
		t.true(backlog.length >= 9, timed);
		const times = backlog.map(line => line.time);
		t.deepEqual(times, times.toSorted(), `the backlog in time order:\n${timed}`);
		await session.keys('Escape');
		await session.waitFor(/web +replicated +3\/3/);
	},
);
