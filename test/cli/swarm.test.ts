import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {DockerApiError} from '../../source/engine/docker/client.js';
import {joinFailure} from '../../source/engine/swarm/cluster.js';
import {machinistInProcess as run} from '../helpers/cli.js';
import {dockerMachineStore} from '../helpers/store.js';
import {freePort} from '../../source/engine/vm/ports.js';

async function fixtureEnv(t: Parameters<typeof dockerMachineStore>[0]) {
	const store = await dockerMachineStore(t);
	return {store, env: {MACHINE_STORAGE_PATH: store, HOME: store, USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')}};
}

test('swarm commands say what is missing, on one line, and name the fix', async t => {
	const {env} = await fixtureEnv(t);
	t.regex((await run(['swarm'], env)).stderr, /Error: name a swarm command: init, join, leave or ls\n$/);
	t.regex((await run(['swarm', 'attach', 'x'], env)).stderr, /Error: unknown swarm command "attach": use init, join, leave or ls\n$/);
	t.is((await run(['swarm', 'join', 'sysd1'], env)).stderr, 'Error: swarm join needs --manager MANAGER: machinist swarm join --manager MANAGER NODE...\n');
	t.is((await run(['swarm', 'join', '--manager', 'p1', '--role', 'boss', 'sysd1'], env)).stderr, 'Error: --role must be worker or manager, not "boss"\n');
	t.is((await run(['swarm', 'init', '--force', 'sysd1'], env)).stderr, 'Error: swarm init does not take --force\n');
	t.is((await run(['swarm', 'ls'], env)).stderr, 'No machine is in a swarm: run "machinist swarm init NAME" to make one\n');
	t.is(
		(await run(['swarm', 'ls', 'sysd1'], env)).stderr,
		'Machine "sysd1" is not in a swarm: run "machinist swarm init sysd1" or "machinist swarm join --manager MANAGER sysd1"\n',
	);
	t.is((await run(['swarm', 'leave', 'nope'], env)).code, 1);
});

test('swarm init on a machine that is not running says so and how to start it', async t => {
	const {store, env} = await fixtureEnv(t);
	const config = path.join(store, 'machines/sysd1/config.json');
	const record = JSON.parse(await readFile(config, 'utf8')) as {Driver: {IPAddress: string; SSHPort: number}};
	record.Driver.IPAddress = '127.0.0.1';
	record.Driver.SSHPort = await freePort();
	await writeFile(config, JSON.stringify(record));
	const result = await run(['swarm', 'init', 'sysd1'], env);
	t.is(result.stderr, 'Machine "sysd1" is not running (stopped): start it with "machinist start sysd1"\n');
});

test('create refuses the standalone Swarm flags, naming the swarm-mode equivalent, and makes nothing', async t => {
	const {env} = await fixtureEnv(t);
	const equivalent =
		'use --swarm-mode manager for a new swarm, or --swarm-mode worker --swarm-manager MANAGER to join one (or "machinist swarm init|join" later)';
	t.is(
		(await run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376', '--swarm', 'a1'], env)).stderr,
		`Error: --swarm joined a standalone Swarm, which no longer exists: ${equivalent}\n`,
	);
	t.is(
		(await run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376', '--swarm-discovery', 'token://x', 'a1'], env)).stderr,
		`Error: --swarm-discovery named a discovery service of the standalone Swarm, which swarm mode does not need: ${equivalent}\n`,
	);
	t.is(
		(await run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376', '--swarm-mode', 'worker', 'a1'], env)).stderr,
		'Error: --swarm-mode worker needs --swarm-manager MANAGER, the machine whose swarm "a1" joins\n',
	);
	t.is(
		(await run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376', '--swarm-mode', 'leader', 'a1'], env)).stderr,
		'Error: --swarm-mode must be manager or worker, not "leader"\n',
	);
	t.is((await run(['ls', '-q'], env)).stdout, 'p1\nsysd1\n');
});

test('a join refused for clocks too far apart says so and how to set them, not "cannot reach"', t => {
	// All test hosts share this machine's kernel clock, so the skew cannot be staged for real; this
	// is the answer dockerd relays from swarmkit when a node's clock is behind the manager's.
	const skew = new DockerApiError(
		'tcp://10.0.0.2:2376',
		500,
		'rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: x509: certificate has expired or is not yet valid: current time 2020-01-01T00:00:00Z is before 2025-06-01T10:00:00Z"',
	);
	t.is(
		joinFailure('machinist', 'n1', 'm1', ['10.0.0.1:2377'], skew).message,
		`Cannot join "n1" to the swarm of "m1": the clocks of the two machines are too far apart for the swarm's certificates (${skew.daemonMessage}): set both clocks right (e.g. "machinist ssh n1 sudo timedatectl set-ntp true") and join again`,
	);
	const timeout = new DockerApiError(
		'tcp://10.0.0.2:2376',
		503,
		'Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.',
	);
	t.regex(
		joinFailure('machinist', 'n1', 'm1', ['10.0.0.1:2377'], timeout).message,
		/"n1" could not reach the manager at 10\.0\.0\.1:2377 \(Timeout was reached before node joined\. .*\): open 2377\/tcp on "m1" to "n1", or init the swarm with --advertise-addr/,
	);
});
