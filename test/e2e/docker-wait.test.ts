/**
 * start, restart and create end when the machine's Docker answers, not when the machine runs.
 * The machine is a droplet of the DigitalOcean simulator, which is a real test host: powered
 * off, its dockerd stops; powered on, sshd comes back and dockerd only some seconds later, as in
 * a boot. One droplet serves every test, one after another.
 */
import {execFile} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {createEngine, openPreferences} from '../../source/engine/index.js';
import {createServices} from '../../source/tui/services.js';
import {builtCli, machinist} from '../helpers/cli.js';
import {testHostsAvailable} from '../helpers/hosts.js';
import {available, realTest} from '../helpers/real.js';
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean.js';
import {lineWith, renderApp} from '../tui/harness.js';

const needs = [testHostsAvailable()] as const;
const real = realTest(...needs);
const name = 'w1';
/** How long after a power-on the droplet's dockerd starts. */
const bootDelayMs = 6000;

let simulator: DigitalOceanSimulator;
let root = '';
let env: NodeJS.ProcessEnv = {};

test.before(async () => {
	if (!available(...needs)) return;
	simulator = await startDigitalOceanSimulator();
	root = await mkdtemp(path.join(os.tmpdir(), 'mdw-'));
	env = {MACHINE_STORAGE_PATH: root, HOME: root, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(root, 'prefs')};
	const created = await machinist(
		['create', '-d', 'digitalocean', '--digitalocean-access-token', simulator.token, '--digitalocean-api-url', simulator.url, name],
		env,
	);
	if (created.code !== 0) throw new Error(`create failed: ${created.stdout}${created.stderr}`);
});

test.after.always(async () => {
	if (root) await machinist(['rm', '-f', '-y', name], env);
	await simulator?.close();
	if (root) await rm(root, {recursive: true, force: true});
});

type Shell = {code: number; stdout: string; stderr: string};

/** A shell line as a user types it, with `machinist` being the built command. */
async function shell(line: string, extra: NodeJS.ProcessEnv = {}): Promise<Shell> {
	const machinistFunction = `machinist() { '${process.execPath}' '${builtCli}' "$@"; }`;
	return new Promise(resolve => {
		execFile(
			'bash',
			['-c', `${machinistFunction}\n${line}`],
			{env: {PATH: process.env.PATH, ...env, ...extra}, timeout: 120_000},
			(error, stdout, stderr) => {
				resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
			},
		);
	});
}

/** The line the user typed next: the docker CLI against the machine, the instant the command before it returned. */
const thenDocker = `&& eval "$(machinist env ${name})" && docker version --format '{{.Server.Version}}'`;

async function stopped(): Promise<void> {
	const stop = await machinist(['stop', name], env);
	if (stop.code !== 0) throw new Error(`stop failed: ${stop.stderr}`);
}

real.serial('start returns once Docker answers, so docker works the instant it does', async t => {
	await stopped();
	simulator.dockerBootDelayMs = bootDelayMs;
	const started = Date.now();
	const result = await shell(`machinist start ${name} ${thenDocker}`);
	t.log(`start and docker version took ${Date.now() - started} ms`);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stdout, /^Starting "w1"\.\.\.\nMachine "w1" was started\.\nWaiting for Docker to answer at tcp:\/\/10\.200\.\d+\.\d+:2376\.\.\.\n/);
	t.regex(result.stdout, /Started machines may have new IP addresses\. You may need to re-run the `machinist env` command\.\n\d+\.\S+\n$/);
	t.true(Date.now() - started >= bootDelayMs, 'it waited for dockerd, which started after the droplet was active');
	t.deepEqual(simulator.problems, []);
});

real.serial('restart returns once Docker answers', async t => {
	simulator.dockerBootDelayMs = bootDelayMs;
	const started = Date.now();
	const result = await shell(`machinist restart ${name} ${thenDocker}`);
	t.is(result.code, 0, result.stderr);
	t.regex(result.stdout, /^Restarting "w1"\.\.\.\nWaiting for Docker to answer at tcp:\/\/\S+\.\.\.\n/);
	t.regex(result.stdout, /\n\d+\.\S+\n$/, 'docker version printed the server version');
	t.true(Date.now() - started >= bootDelayMs);
});

real.serial('start --no-wait returns while Docker is still coming up, as before', async t => {
	await stopped();
	simulator.dockerBootDelayMs = bootDelayMs;
	const result = await shell(`machinist start --no-wait ${name} ${thenDocker}`);
	t.not(result.code, 0, 'docker right after start --no-wait finds no daemon yet');
	t.true(result.stdout.startsWith(`Starting "w1"...\nMachine "w1" was started.\nStarted machines`), result.stdout);
	t.regex(result.stderr, /connection refused|Cannot connect/);
	// Let the late dockerd come up before the next test stops the droplet again.
	const ready = await shell(
		`for i in $(seq 30); do eval "$(machinist env ${name} 2>/dev/null)" && docker version >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1`,
	);
	t.deepEqual(simulator.problems, []);
	t.is(ready.code, 0, 'Docker answers a few seconds later');
});

real.serial('a start whose Docker never answers ends at the bound with the last error and what to run, which mends it', async t => {
	await stopped();
	simulator.dockerBootDelayMs = Number.POSITIVE_INFINITY;
	const started = Date.now();
	const result = await machinist(['start', name], {...env, MACHINIST_DIGITALOCEAN_DOCKER_TIMEOUT_MS: '4000'});
	t.log(`start gave up after ${Date.now() - started} ms`);
	t.is(result.code, 1);
	t.regex(
		result.stderr,
		/^The Docker of machine "w1" did not answer at tcp:\/\/(10\.200\.\d+\.\d+):2376 within \d s \(last error: dial tcp \1:2376: connect: connection refused\): run "machinist provision w1" to set Docker up again\n$/,
	);
	const mended = await shell(`machinist provision ${name} >/dev/null ${thenDocker}`);
	t.is(mended.code, 0, mended.stderr);
});

real.serial('the app shows a start as starting until Docker answers', async t => {
	await stopped();
	// Room for the checks made while dockerd is still down, on a loaded machine.
	simulator.dockerBootDelayMs = 2 * bootDelayMs;
	const engine = createEngine({storagePath: root, env});
	const services = createServices(engine, await openPreferences(env), {
		async copy() {
			return {methods: ['OSC 52']};
		},
		async handOff() {
			throw new Error('no terminal to hand off in tests');
		},
	});
	const app = renderApp(t, services);
	await app.waitFor(text => / w1 +digitaloc\S* +Stopped/.test(text));
	await app.press('s');
	const droplet = simulator.droplets().find(candidate => candidate.name === name)!;
	await app.waitFor(() => droplet.status === 'active', 60_000);
	// The droplet is up; its dockerd is not, for some seconds more.
	t.regex(lineWith(await app.waitFor(' w1 '), ' w1 '), /w1 +digitaloc\S* +. starting/);
	const docker = await shell(`eval "$(machinist env ${name})" && docker version`);
	t.not(docker.code, 0, 'Docker does not answer yet');
	t.regex(lineWith(app.frame(), ' w1 '), /w1 +digitaloc\S* +. starting/, 'so the row still says starting');

	await app.waitFor(text => !/w1 +digitaloc\S* +. starting/.test(lineWith(text, ' w1 ')), 60_000);
	const answered = await shell(`eval "$(machinist env ${name})" && docker version --format '{{.Server.Version}}'`);
	t.is(answered.code, 0, `Docker answers once the row stops saying starting: ${answered.stderr}`);
	const operation = services.runner.list().at(-1)!;
	t.like(operation, {kind: 'start', state: 'done'});
	t.true(
		operation.log.some(line => line.startsWith('Waiting for Docker to answer at tcp://')),
		operation.log.join('\n'),
	);
	const row = await app.waitFor(text => / w1 +digitaloc\S* +Running .* v\d/.test(text));
	t.regex(lineWith(row, ' w1 '), /Running/);
});
