import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import type {ExecutionContext} from 'ava';
import {createMachine} from '../../source/engine/index.js';
import {builtCli} from '../helpers/cli.js';
import {docker, dockerCliAvailable, importBusybox, machineWithContainers, restartDockerd, runContainer} from '../helpers/containers.js';
import {dockerdAvailable} from '../helpers/dockerd.js';
import {realTest} from '../helpers/real.js';
import {TmuxSession, tmuxAvailable} from '../helpers/tmux.js';
import {waitFor} from '../helpers/wait.js';

const execFileAsync = promisify(execFile);
const withDaemons = realTest(dockerdAvailable(), dockerCliAvailable(), tmuxAvailable());

/** The machine `box` on a real dockerd with busybox, and the app open in tmux on its store. */
async function world(t: ExecutionContext) {
	const {engine, dockerd, store, env} = await machineWithContainers(t);
	const terminal = {...env, USER: 'tester', SHELL: '/bin/sh', TERM: 'xterm-256color'};
	const open = async () => {
		const session = await TmuxSession.start([process.execPath, builtCli], terminal, {columns: 160, rows: 35});
		t.teardown(async () => session.stop());
		await session.waitFor(/box +none +Running/, 30_000);
		return session;
	};

	return {engine, dockerd, store, open};
}

/** The row of a container on screen: its line, from its name on. */
function rowOf(screen: string, name: string): string {
	return screen.split('\n').find(line => new RegExp(`^[❯ ] (box2? +)?${name} `).test(line)) ?? '';
}

async function stateOf(daemon: {socketPath: string}, name: string): Promise<string> {
	return docker(daemon, 'inspect', '--format', '{{.State.Status}}', name);
}

withDaemons.serial('a machine’s containers match docker ps -a, follow changes made outside, and every action changes the daemon', async t => {
	t.timeout(240_000);
	const {dockerd, open} = await world(t);
	await runContainer(dockerd, 'web');
	await docker(dockerd, 'create', '--network=none', '--name=idle', 'busybox:machinist', 'true');
	const session = await open();
	await session.keys('t');
	const listed = await session.waitFor(screen => rowOf(screen, 'web') !== '' && rowOf(screen, 'idle') !== '');
	t.regex(listed, /box's containers/);
	const ps = (await docker(dockerd, 'ps', '-a', '--format', '{{.Names}} {{.Image}} {{.State}}')).split('\n');
	for (const line of ps) {
		const [name, image, state] = line.split(' ');
		t.regex(rowOf(listed, name!), new RegExp(`${name} +${image} +${state} `), listed);
	}

	await runContainer(dockerd, 'late');
	await session.waitFor(screen => /late +busybox:machinist +running/.test(screen), 5000);
	await docker(dockerd, 'rm', '-f', 'late');
	await session.waitFor(screen => rowOf(screen, 'late') === '', 5000);

	await session.keys('G');
	await session.waitFor(screen => rowOf(screen, 'web').startsWith('❯'));
	await session.waitFor(screen => /CPU [\d.]+% MEM [\d.]+MiB/.test(rowOf(screen, 'web')), 10_000);
	const steps: Array<[string[], string]> = [
		[['S'], 'exited'],
		[['s'], 'running'],
		[['p'], 'paused'],
		[['p'], 'running'],
		[['K', 'y'], 'exited'],
		[['r'], 'running'],
	];
	for (const [keys, expected] of steps) {
		await session.keys(...keys);
		await waitFor(`web ${expected} after ${keys.join(' ')}`, async () => (await stateOf(dockerd, 'web')) === expected, {timeoutMs: 20_000});
		await session.waitFor(screen => new RegExp(`web +busybox:machinist +${expected} `).test(screen));
	}

	await session.keys('a');
	await session.waitFor(screen => rowOf(screen, 'idle') === '' && rowOf(screen, 'web') !== '');
	await session.keys('a');
	await session.waitFor(screen => rowOf(screen, 'idle') !== '');
	await session.keys('d');
	await session.waitFor('is running: remove it anyway (rm -f)?');
	await session.keys('y');
	await waitFor('web removed', async () => !(await docker(dockerd, 'ps', '-a', '--format', '{{.Names}}')).includes('web'), {timeoutMs: 20_000});
	await session.waitFor(screen => rowOf(screen, 'web') === '');
	await session.keys('o');
	await session.keys('Escape');
});

withDaemons.serial('logs read right with a TTY and without, follow, filter as you type, jump between matches, and G follows again', async t => {
	t.timeout(180_000);
	const {dockerd, open} = await world(t);
	// 400 lines, within the 500 the screen starts with: Docker logs a container's stdout and stderr
	// through a copier each, so the file's order between the two streams is not the script's, and
	// a longer burst could leave every err line out of the last 500.
	const script =
		'i=0; while [ $i -lt 200 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; sleep 2; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done';
	await runContainer(dockerd, 'plain', {script});
	await runContainer(dockerd, 'term', {script, tty: true});
	const session = await open();
	await session.keys('t');
	await session.waitFor(screen => rowOf(screen, 'plain') !== '' && rowOf(screen, 'term') !== '');
	for (const name of ['plain', 'term']) {
		if (name === 'term') await session.keys('j');
		await session.waitFor(screen => rowOf(screen, name).startsWith('❯'));
		await session.keys('l');
		await session.waitFor(screen => screen.includes(`logs of ${name} on box`) && /tick \d+/.test(screen), 20_000);
		await session.keys('/');
		await session.type('err 19[0-9]');
		const filtered = await session.waitFor(screen => screen.includes('err 199') && !/tick \d+/.test(screen));
		const coloured = await session.capture({colours: true});
		if (name === 'plain') t.regex(coloured, /┃.*err 199/, 'stderr lines are marked');
		else t.notRegex(coloured, /┃/, 'a TTY has one stream');
		t.regex(filtered, /10 matches/);
		t.notRegex(filtered, /out 19/);
		await session.keys('Enter', 'N', 'N');
		await session.waitFor(/line 9 of 10/);
		await session.keys('n');
		await session.waitFor(/line 10 of 10/);
		await session.keys('Escape');
		await session.waitFor(screen => /tick \d+/.test(screen) && screen.includes('following'));
		await session.keys('k');
		await session.waitFor(/\(G follows\)/);
		await session.keys('t');
		await session.waitFor(/\d\d:\d\d:\d\d\.\d+ +(out|err|tick)/);
		await session.keys('G');
		await session.waitFor(screen => screen.includes('following'));
		await session.keys('Escape');
		await session.waitFor(/box's containers/);
	}
});

withDaemons.serial('x opens a shell in the container in this terminal, and the app comes back when it ends', async t => {
	t.timeout(120_000);
	const {dockerd, open} = await world(t);
	await runContainer(dockerd, 'web');
	const session = await open();
	await session.keys('t');
	await session.waitFor(screen => rowOf(screen, 'web').startsWith('❯'));
	await session.keys('x');
	await session.waitFor(/[#$] ?$/m, 20_000);
	await session.type('echo inside-$(hostname | cut -c1-4)-$((6*7))');
	await session.keys('Enter');
	const inside = await session.waitFor(/inside-\w+-42/);
	t.notRegex(inside, /box's containers/);
	await session.type('exit');
	await session.keys('Enter');
	const back = await session.waitFor(screen => screen.includes("box's containers") && rowOf(screen, 'web') !== '', 20_000);
	t.regex(back, /shell in web on box ended \(exit code 0\)/);
});

withDaemons.serial(
	'the fleet lists every running machine’s containers with a MACHINE column and chips, and a daemon that dies shows Timeout and recovers',
	async t => {
		t.timeout(240_000);
		const {engine, dockerd, store, open} = await world(t);
		const second = await restartDockerd(t, engine, store);
		await importBusybox(second);
		await createMachine(engine, {name: 'box2', driverName: 'none', given: {url: second.url}});
		await runContainer(dockerd, 'api');
		await runContainer(second, 'db');
		const session = await open();
		await session.waitFor(/box2 +none +Running/, 30_000);
		await session.keys('F');
		const fleet = await session.waitFor(
			screen => /box +api +busybox:machinist +running/.test(screen) && /box2 +db +busybox:machinist +running/.test(screen),
		);
		t.regex(fleet, /MACHINE +NAME +IMAGE +STATE +STATUS/);
		await session.keys('/');
		await session.type('machine=box2');
		await session.keys('Enter');
		await session.waitFor(screen => rowOf(screen, 'db') !== '' && rowOf(screen, 'api') === '' && screen.includes(' machine=box2 '));
		await session.keys('Escape');
		await session.waitFor(screen => rowOf(screen, 'db') !== '' && rowOf(screen, 'api') !== '');

		await second.stop();
		const lost = await session.waitFor(/box2: Timeout/, 20_000);
		t.not(rowOf(lost, 'db'), '', 'the last rows stay');
		const again = await restartDockerd(t, engine, store, second.port);
		await importBusybox(again);
		await runContainer(again, 'cache');
		await session.waitFor(
			screen => !screen.includes('Timeout') && /box2 +cache +busybox:machinist +running/.test(screen) && rowOf(screen, 'db') === '',
			30_000,
		);
	},
);

/** The app's open TCP connections to a daemon's port, from the kernel's table. */
async function connectionsTo(pid: number, port: number): Promise<number> {
	const {stdout} = await execFileAsync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`]);
	return stdout.split('\n').filter(line => line.includes(`pid=${pid},`)).length;
}

withDaemons.serial('the daemons’ event streams close when no containers screen is shown and open again on return; STATUS counts on between events', async t => {
	t.timeout(240_000);
	const {engine, dockerd, open} = await world(t);
	// Three machines on one daemon: three event streams, plainly more than the pooled requests.
	for (const name of ['box2', 'box3']) await createMachine(engine, {name, driverName: 'none', given: {url: dockerd.url}});
	await runContainer(dockerd, 'api');
	const session = await open();
	await session.waitFor(/box3 +none +Running/, 30_000);
	const pid = await session.commandPid();
	const idle = await connectionsTo(pid, dockerd.port);

	await session.keys('F');
	await session.waitFor(screen => rowOf(screen, 'api') !== '' && /box3 +api /.test(screen));
	// Listed within a second or so of its start, and no event since: only the screen's clock moves it.
	await session.waitFor(screen => Number(/Up (\d+) seconds/.exec(rowOf(screen, 'api'))?.[1]) >= 5, 10_000);
	let shown = 0;
	await waitFor('three event streams', async () => {
		shown = await connectionsTo(pid, dockerd.port);
		return shown >= idle + 3;
	});

	await session.keys('Escape');
	await session.waitFor(/box3 +none +Running/);
	let left = shown;
	await waitFor(
		'the event streams closed',
		async () => {
			left = await connectionsTo(pid, dockerd.port);
			return left <= shown - 3;
		},
		{timeoutMs: 5000, detail: () => `${left} connections left of ${shown} on the fleet`},
	).catch(() => undefined);
	t.true(left <= shown - 3, `${left} connections to the daemon left of ${shown} on the fleet (${idle} before it)`);

	// Back on the fleet the streams open again: a container started meanwhile shows.
	await runContainer(dockerd, 'late');
	await session.keys('F');
	await session.waitFor(screen => /box2 +late +busybox:machinist +running/.test(screen), 10_000);
	await waitFor('the event streams again', async () => (await connectionsTo(pid, dockerd.port)) >= idle + 3);
	await runContainer(dockerd, 'later');
	t.regex(await session.waitFor(/box3 +later +busybox:machinist +running/, 5000), /box3 +later /);
});
