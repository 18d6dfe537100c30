// The exit codes scripts written for docker-machine test: every command × {missing machine, bad
// flag, running machine, stopped machine}, run through the built command as a script runs it.
import {mkdir, mkdtemp, readFile, readdir, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {commandTable} from '../../source/commands/index.js';
import {findProgram} from '../../source/engine/index.js';
import {machinist} from '../helpers/cli.js';
import {testHostsAvailable} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {dockerMachineStore} from '../helpers/store.js';
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean.js';

type Row = {
	args: readonly string[];
	code: number;
	/** What stderr holds: nothing (''), or exactly one line, given whole or as a pattern. */
	stderr: string | RegExp;
	/** What stdout holds, where it says which way the command went. */
	stdout?: string | RegExp;
	env?: NodeJS.ProcessEnv;
};

const missing = (name: string) => `Docker machine "${name}" does not exist. Use "machinist ls" to list machines. Use "machinist create" to add a new one.`;

function matches(t: ExecutionContext, actual: string, expected: string | RegExp, label: string): void {
	if (typeof expected === 'string') t.is(actual, expected, label);
	else t.regex(actual, expected, label);
}

async function check(t: ExecutionContext, row: Row, env: NodeJS.ProcessEnv): Promise<void> {
	const label = `machinist ${row.args.join(' ')}`;
	const result = await machinist(row.args, {...env, ...row.env});
	t.is(result.code, row.code, `${label}: exit code (stderr: ${result.stderr})`);
	if (row.stderr === '') {
		t.is(result.stderr, '', `${label}: stderr`);
	} else {
		t.regex(result.stderr, /^[^\n]+\n$/, `${label}: stderr is one line`);
		matches(t, result.stderr.trimEnd(), row.stderr, `${label}: stderr`);
	}

	if (row.stdout !== undefined) matches(t, result.stdout, row.stdout, `${label}: stdout`);
}

/** Rows that change nothing run a few at a time: the machine is shared, and each is a Node start. */
async function checkAll(t: ExecutionContext, rows: readonly Row[], env: NodeJS.ProcessEnv, concurrency = 4): Promise<void> {
	const queue = [...rows];
	await Promise.all(
		Array.from({length: concurrency}, async () => {
			for (let row = queue.shift(); row; row = queue.shift()) await check(t, row, env);
		}),
	);
}

async function fixtureEnv(t: ExecutionContext): Promise<{store: string; env: NodeJS.ProcessEnv}> {
	const store = await dockerMachineStore(t);
	return {store, env: {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')}};
}

async function machineNames(store: string): Promise<string[]> {
	return (await readdir(path.join(store, 'machines'))).filter(name => !name.startsWith('.')).sort();
}

// In-process HTTP only; a droplet's host (a test host) is started only when one is created.
let simulator: DigitalOceanSimulator;
// A droplet of the simulator is a real host (a test host): real SSH, dockerd, TLS, and real power
// actions (off stops its sshd; the API reports the droplet off), at a few seconds for create and
// about one per action, where a local VM would take minutes. It lives through two tests (running,
// then stopped), so its store outlives the first.
const name = 'do1';
let machineStore: string | undefined;
let machineEnv: NodeJS.ProcessEnv | undefined;

test.before(async () => {
	simulator = await startDigitalOceanSimulator({activeDelayMs: 100, actionDelayMs: 100});
});

test.after.always(async () => {
	await simulator?.close();
	if (machineStore) await rm(machineStore, {recursive: true, force: true});
});

test('a missing machine: every command that names one exits 1 with docker-machine\'s one-line message ("rm -f" exits 0)', async t => {
	const {store, env} = await fixtureEnv(t);
	const local = path.join(store, 'copy');
	// mount looks for sshfs first, as docker-machine did; without it that is the one line.
	const mountLine = findProgram('sshfs', {PATH: process.env.PATH}) ? missing('ghost') : /^You must have a copy of the sshfs binary/;
	const rows: Row[] = [
		...[
			['status'],
			['url'],
			['ip'],
			['env'],
			['config'],
			['inspect'],
			['version'],
			['ssh'],
			['start'],
			['stop'],
			['restart'],
			['kill'],
			['provision'],
			['upgrade'],
			['swarm', 'leave'],
		].map(command => ({args: [...command, 'ghost'], code: 1, stderr: missing('ghost'), stdout: ''})),
		{args: ['ssh', 'ghost', 'true'], code: 1, stderr: missing('ghost'), stdout: ''},
		{args: ['scp', 'ghost:/etc/hostname', local], code: 1, stderr: missing('ghost'), stdout: ''},
		{args: ['mount', 'ghost:/tmp', local], code: 1, stderr: mountLine, stdout: ''},
		{args: ['port', 'ghost', '8080:80'], code: 1, stderr: missing('ghost'), stdout: ''},
		// docker-machine prints this step before it loads the machines.
		{args: ['regenerate-certs', '-f', 'ghost'], code: 1, stderr: missing('ghost'), stdout: 'Regenerating TLS certificates\n'},
		// Several machines are all loaded before any is touched: nothing runs, nothing is printed.
		{args: ['stop', 'p1', 'ghost'], code: 1, stderr: missing('ghost'), stdout: ''},
		{args: ['ip', 'p1', 'ghost'], code: 1, stderr: missing('ghost'), stdout: ''},
		{args: ['rm', '-y', 'ghost'], code: 1, stderr: `Error removing host "ghost": ${missing('ghost')}`, stdout: /^About to remove ghost\n/},
		// -f asks that it be gone, and it is: docker-machine said so and exited 0, and so do we.
		{args: ['rm', '-f', 'ghost'], code: 0, stderr: `Error removing host "ghost": ${missing('ghost')}`, stdout: /^About to remove ghost\n/},
		{args: ['status'], code: 1, stderr: 'Error: No machine name(s) specified and no "default" machine exists'},
		// ls never fails for a machine, present or not.
		{args: ['ls', '-q'], code: 0, stderr: '', stdout: 'p1\nsysd1\n'},
		{args: ['ls', '--filter', 'name=ghost'], code: 0, stderr: '', stdout: /^NAME +ACTIVE +DRIVER +STATE +URL +SWARM +DOCKER +ERRORS\n$/},
	];
	await checkAll(t, rows, env);
	t.deepEqual(await machineNames(store), ['p1', 'sysd1'], 'nothing was removed');
});

test('bad usage (an unknown flag, the wrong number of arguments): every command exits 1 with one line, before it touches any machine', async t => {
	const {store, env} = await fixtureEnv(t);
	const badFlag = (command: string) => `Error: unknown flag --no-such-flag for "${command}"; run "machinist ${command} --help" for the flags it takes`;
	const rows: Row[] = [
		...commandTable.map(({name}) => ({args: [name, '--no-such-flag'], code: 1, stderr: badFlag(name), stdout: ''})),
		// The flag is refused before the machine is looked at, missing or not.
		...['status', 'stop', 'rm', 'create'].map(name => ({args: [name, '--no-such-flag', 'ghost'], code: 1, stderr: badFlag(name), stdout: ''})),
		{args: ['rm', '-y', '--no-such-flag', 'p1'], code: 1, stderr: badFlag('rm'), stdout: ''},
		{args: ['--no-such-flag', 'ls'], code: 1, stderr: 'Error: unknown flag --no-such-flag; run "machinist --help" for the flags it takes', stdout: ''},
		{args: ['no-such-command'], code: 1, stderr: "machinist: 'no-such-command' is not a machinist command. See 'machinist --help'.", stdout: ''},
		...['status', 'url', 'env', 'config', 'version'].map(name => ({
			args: [name, 'p1', 'sysd1'],
			code: 1,
			stderr: 'Error: Expected one machine name as an argument',
			stdout: '',
		})),
		// These print their help (to stdout) first, as docker-machine's did.
		{args: ['inspect', 'p1', 'sysd1'], code: 1, stderr: 'Error: Expected one machine name as an argument', stdout: /^Usage: machinist inspect /},
		{args: ['rm'], code: 1, stderr: 'Error: Expected to get one or more machine names as arguments', stdout: /^Usage: machinist rm /},
		{args: ['scp', 'p1:/etc/hostname'], code: 1, stderr: 'Error: Improper number of arguments.', stdout: /^Usage: machinist scp /},
		{args: ['mount'], code: 1, stderr: 'Error: Improper number of arguments.', stdout: /^Usage: machinist mount /},
		{args: ['active', 'p1'], code: 1, stderr: 'Error: Too many arguments given', stdout: ''},
		{args: ['env', '-u', 'p1'], code: 1, stderr: 'Error: Expected no machine name when the -u flag is present', stdout: ''},
		{args: ['create', '-d', 'none', 'a', 'b'], code: 1, stderr: 'Invalid command line. Found extra arguments [b]', stdout: ''},
	];
	await checkAll(t, rows, env);
	t.deepEqual(await machineNames(store), ['p1', 'sysd1'], 'nothing was removed');
});

test('create exits 1 for a name that exists and 3 for a failed pre-create check, making nothing', async t => {
	const {store, env} = await fixtureEnv(t);
	await checkAll(
		t,
		[
			{args: ['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376', 'p1'], code: 1, stderr: 'Docker machine "p1" already exists'},
			{
				args: ['create', '-d', 'digitalocean', '--digitalocean-access-token', 'dop_v1_wrong', '--digitalocean-api-url', simulator.url, 'do0'],
				code: 3,
				stderr: /^Error with pre-create check: "DigitalOcean rejected the access token/,
			},
		],
		env,
	);
	t.deepEqual(await machineNames(store), ['p1', 'sysd1']);
});

realTest(testHostsAvailable()).serial(
	'a running machine: every command exits 0 but start (already running); ssh passes the remote exit code through',
	async t => {
		const store = await mkdtemp(path.join(os.tmpdir(), 'mex-'));
		machineStore = store;
		const env = {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
		const started = Date.now();
		const created = await machinist(
			['create', '-d', 'digitalocean', '--digitalocean-access-token', simulator.token, '--digitalocean-api-url', simulator.url, name],
			env,
		);
		t.is(created.code, 0, created.stderr);
		t.is(created.stderr, '');
		t.log(`create took ${Date.now() - started} ms`);
		machineEnv = env;
		const url = (await machinist(['url', name], env)).stdout.trim();
		const mountpoint = path.join(store, 'mnt');
		await mkdir(mountpoint);
		await checkAll(
			t,
			[
				{args: ['status', name], code: 0, stderr: '', stdout: 'Running\n'},
				{args: ['url', name], code: 0, stderr: '', stdout: /^tcp:\/\/10\.200\.\d+\.2:2376\n$/},
				{args: ['ip', name], code: 0, stderr: '', stdout: /^10\.200\.\d+\.2\n$/},
				{args: ['env', name], code: 0, stderr: '', stdout: /^export DOCKER_TLS_VERIFY="1"\n/},
				{args: ['config', name], code: 0, stderr: '', stdout: /^--tlsverify\n/},
				{args: ['inspect', '-f', '{{.DriverName}}', name], code: 0, stderr: '', stdout: 'digitalocean\n'},
				{args: ['version', name], code: 0, stderr: '', stdout: /^\d+\.\d+\.\d+/},
				{args: ['ssh', name, 'true'], code: 0, stderr: ''},
				{args: ['ls'], code: 0, stderr: '', stdout: new RegExp(String.raw`\n${name} +- +digitalocean +Running `)},
				{args: ['active'], code: 0, stderr: '', stdout: `${name}\n`, env: {DOCKER_HOST: url}},
				{args: ['scp', `${name}:/etc/hostname`, path.join(store, 'hostname')], code: 0, stderr: ''},
			],
			env,
		);
		t.is(await readFile(path.join(store, 'hostname'), 'utf8'), `${name}\n`, 'scp copied the file');

		// One at a time from here: these change the machine.
		for (const row of [
			// docker-machine exited 1 for every failed remote command; the remote code is kept.
			{args: ['ssh', name, 'exit 3'], code: 3, stderr: ''},
			{args: ['mount', `${name}:/etc`, mountpoint], code: 0, stderr: ''},
			{args: ['mount', '-u', `${name}:/etc`, mountpoint], code: 0, stderr: ''},
			{args: ['provision', name], code: 0, stderr: ''},
			{args: ['regenerate-certs', '-f', name], code: 0, stderr: ''},
			{args: ['upgrade', name], code: 0, stderr: ''},
			{args: ['start', name], code: 1, stderr: `Machine "${name}" is already running.`},
			{args: ['restart', name], code: 0, stderr: ''},
			{args: ['stop', name], code: 0, stderr: '', stdout: `Stopping "${name}"...\nMachine "${name}" was stopped.\n`},
		] satisfies Row[]) {
			await check(t, row, env);
		}
	},
);

realTest(testHostsAvailable()).serial('a stopped machine: what needs it running exits 1 with one line; start, restart, upgrade and rm exit 0', async t => {
	const env = machineEnv;
	if (!env) {
		t.fail('the machine of the previous test was not created');
		return;
	}

	// docker-machine waited 3 minutes for SSH before failing these; the wait is shortened here.
	const shortSshWait = {MACHINIST_DIGITALOCEAN_SSH_TIMEOUT_MS: '2000'};
	// The droplet is really off (no network at all), so the last error is the kernel's for an
	// address nothing answers at: no route here (the test subnet's blackhole), a timeout elsewhere.
	const sshNeverCame = new RegExp(String.raw`^SSH on ${name} \(.+\) was not available within 2 s .*last error: .*(EINVAL|EHOSTUNREACH|ETIMEDOUT|timed out)`);
	await checkAll(
		t,
		[
			{args: ['status', name], code: 0, stderr: '', stdout: 'Stopped\n'},
			{args: ['inspect', '-f', '{{.DriverName}}', name], code: 0, stderr: '', stdout: 'digitalocean\n'},
			// The address is stored; asking for it needs no running machine, in docker-machine either.
			{args: ['ip', name], code: 0, stderr: '', stdout: /^10\.200\.\d+\.2\n$/},
			{args: ['ls'], code: 0, stderr: '', stdout: new RegExp(String.raw`\n${name} +- +digitalocean +Stopped `)},
			{args: ['url', name], code: 1, stderr: 'Host is not running', stdout: ''},
			{args: ['env', name], code: 1, stderr: 'Error checking TLS connection: Host is not running', stdout: ''},
			{args: ['config', name], code: 1, stderr: 'Error running connection boilerplate: Host is not running', stdout: ''},
			{args: ['version', name], code: 1, stderr: 'Host is not running', stdout: ''},
			{args: ['ssh', name, 'true'], code: 1, stderr: `Error: Cannot run SSH command: Host "${name}" is not running`, stdout: ''},
			{
				args: ['scp', `${name}:/etc/hostname`, path.join(String(env.HOME), 'again')],
				code: 1,
				stderr: `Error: Cannot run SSH command: Host "${name}" is not running`,
			},
			{
				args: ['mount', `${name}:/etc`, path.join(String(env.HOME), 'mnt')],
				code: 1,
				stderr: `Error: Cannot run SSH command: Host "${name}" is not running`,
			},
			{args: ['active'], code: 1, stderr: 'No active host found', stdout: ''},
			{args: ['stop', name], code: 1, stderr: `Machine "${name}" is already stopped.`, stdout: ''},
			{args: ['kill', name], code: 1, stderr: `Machine "${name}" is already stopped.`, stdout: ''},
			{args: ['provision', name], code: 1, stderr: sshNeverCame, env: shortSshWait},
			{args: ['regenerate-certs', '-f', name], code: 1, stderr: sshNeverCame, env: shortSshWait},
		],
		env,
	);

	// One at a time: each starts or stops it.
	for (const row of [
		{args: ['start', name], code: 0, stderr: '', stdout: new RegExp(String.raw`^Starting "${name}"\.\.\.\nMachine "${name}" was started\.\n`)},
		{args: ['kill', name], code: 0, stderr: '', stdout: `Killing "${name}"...\nMachine "${name}" was killed.\n`},
		{args: ['restart', name], code: 0, stderr: ''},
		{args: ['kill', name], code: 0, stderr: ''},
		{args: ['upgrade', name], code: 0, stderr: '', stdout: /^Starting machine so machine can be upgraded...\n/},
		{args: ['kill', name], code: 0, stderr: ''},
		{args: ['rm', '-y', name], code: 0, stderr: '', stdout: new RegExp(String.raw`Successfully removed ${name}\n$`)},
	] satisfies Row[]) {
		await check(t, row, env);
	}

	t.deepEqual(simulator.problems, []);
});
