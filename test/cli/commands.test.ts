import {readFile, readdir, writeFile, stat} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {dockerMachineStore, fixturesDir, temporaryDir} from '../helpers/store.js';
import {machinistInProcess as run} from '../helpers/cli.js';

async function fixtureEnv(t: Parameters<typeof dockerMachineStore>[0]) {
	const store = await dockerMachineStore(t);
	return {store, env: {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')}};
}

test('inspect prints the record as docker-machine does, and -f runs a Go template over it', async t => {
	const {env} = await fixtureEnv(t);
	const full = await run(['inspect', 'sysd1'], env);
	t.is(full.code, 0);
	const original = await readFile(path.join(fixturesDir, 'docker-machine-0.16.2/machines/sysd1/config.json'), 'utf8');
	t.is(full.stdout, `${original}\n`);
	const templated = await run(['inspect', '-f', '{{.Driver.IPAddress}} {{json .HostOptions.EngineOptions.Labels}}', 'sysd1'], env);
	t.is(templated.stdout, '10.200.1.2 []\n');
});

test('inspect with a bad template says so on one line', async t => {
	const {env} = await fixtureEnv(t);
	const result = await run(['inspect', '-f', '{{.Driver.IPAddress', 'sysd1'], env);
	t.is(result.code, 1);
	t.regex(result.stderr, /^template parsing error: .+\n$/);
});

test('ip prints the stored address of each machine named, in the order given', async t => {
	const {env} = await fixtureEnv(t);
	const result = await run(['ip', 'sysd1', 'p1'], env);
	t.is(result.stdout, '10.200.1.2\n127.0.0.1:23760\n');
});

test('ls -q and ls --filter read a docker-machine store without asking any machine', async t => {
	const {env} = await fixtureEnv(t);
	t.is((await run(['ls', '-q'], env)).stdout, 'p1\nsysd1\n');
	t.is((await run(['ls', '-q', '--filter', 'driver=generic'], env)).stdout, 'sysd1\n');
	t.is((await run(['ls', '-q', '--filter', 'name=^p'], env)).stdout, 'p1\n');
});

test("a machine that does not exist is exit code 1 with docker-machine's message", async t => {
	const {env} = await fixtureEnv(t);
	for (const command of [
		['status', 'nosuch'],
		['url', 'nosuch'],
		['inspect', 'nosuch'],
		['env', 'nosuch'],
		['ip', 'nosuch'],
		['config', 'nosuch'],
	]) {
		const result = await run(command, env);
		t.is(result.code, 1, command.join(' '));
		t.is(result.stderr, 'Docker machine "nosuch" does not exist. Use "machinist ls" to list machines. Use "machinist create" to add a new one.\n');
	}
});

test('no name and no "default" machine is an error; a "default" machine is used when no name is given', async t => {
	const {env, store} = await fixtureEnv(t);
	const none = await run(['ip'], env);
	t.is(none.code, 1);
	t.is(none.stderr, 'Error: No machine name(s) specified and no "default" machine exists\n');
	const {cp} = await import('node:fs/promises');
	await cp(path.join(store, 'machines', 'sysd1'), path.join(store, 'machines', 'default'), {recursive: true});
	t.is((await run(['ip'], env)).stdout, '10.200.1.2\n');
});

test('an unknown command and an unknown flag are one-line errors that point at help', async t => {
	const {env} = await fixtureEnv(t);
	const command = await run(['frobnicate'], env);
	t.is(command.code, 1);
	t.is(command.stderr, "machinist: 'frobnicate' is not a machinist command. See 'machinist --help'.\n");
	const flag = await run(['ls', '--colour'], env);
	t.is(flag.code, 1);
	t.is(flag.stderr, 'Error: unknown flag --colour for "ls"; run "machinist ls --help" for the flags it takes\n');
});

test('invalid machine names are refused before anything is written', async t => {
	const {env, store} = await fixtureEnv(t);
	for (const name of ['bad name', '.dot', 'a_b', '../escape']) {
		const result = await run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376', name], env);
		t.is(result.code, 1, name);
		t.is(result.stderr, 'Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -\n');
	}

	t.deepEqual((await readdir(path.join(store, 'machines'))).sort(), ['p1', 'sysd1']);
	await t.throwsAsync(stat(path.join(store, 'certs')), undefined, 'no certificates were made for a refused create');
});

test('create -d none without --url names the flag; an unknown driver lists the ones there are', async t => {
	const {env} = await fixtureEnv(t);
	const noUrl = await run(['create', '-d', 'none', 'x'], env);
	t.is(noUrl.code, 1);
	t.is(noUrl.stderr, 'Error setting machine configuration from flags provided: --url option is required when no driver is selected\n');
	const badUrl = await run(['create', '-d', 'none', '--url', 'http://h', 'x'], env);
	t.regex(badUrl.stderr, /--url "http:\/\/h" is not a Docker daemon URL: use the form tcp:\/\/HOST:PORT/);
	const unknown = await run(['create', '-d', 'hyperv', 'x'], env);
	t.is(unknown.code, 1);
	t.regex(
		unknown.stderr,
		/^Driver "hyperv" is neither built in nor installed as a plugin: install docker-machine-driver-hyperv on your PATH, or use one of: .*none/,
	);
	const noDriver = await run(['create', 'x'], env);
	t.regex(noDriver.stderr, /^Error: no driver given: use -d with one of .*none/);
});

test("create -d none --help shows the driver's flags with the shared ones", async t => {
	const {env} = await fixtureEnv(t);
	const result = await run(['create', '-d', 'none', '--help'], env);
	t.is(result.code, 0);
	t.regex(result.stdout, /^Usage: machinist create \[OPTIONS\] NAME/);
	t.regex(result.stdout, /--url +URL of host when no driver is selected/);
	t.regex(result.stdout, /--engine-label \[--engine-label option --engine-label option\]/);
	t.regex(result.stdout, /--driver, -d +Driver to create machine with\. \[\$MACHINE_DRIVER\]/);
});

test('a corrupt config.json is an Error row in ls, a clear error elsewhere, and is never rewritten', async t => {
	const {env, store} = await fixtureEnv(t);
	const file = path.join(store, 'machines', 'p1', 'config.json');
	await writeFile(file, '{"ConfigVersion": 3,');
	const listing = await run(['ls', '--timeout', '1'], env);
	const row = listing.stdout.split('\n').find(line => line.startsWith('p1 '));
	t.truthy(row);
	t.regex(row!, /^p1 +not found +Error +Machine "p1" has an unreadable config/);
	const status = await run(['status', 'p1'], env);
	t.is(status.code, 1);
	t.true(status.stderr.includes(file));
	t.is(status.stderr.trimEnd().split('\n').length, 1);
	t.is(await readFile(file, 'utf8'), '{"ConfigVersion": 3,');
	const rm = await run(['rm', '-y', 'p1'], env);
	t.is(rm.code, 1, 'rm without -f keeps an unreadable machine');
	t.is(await readFile(file, 'utf8'), '{"ConfigVersion": 3,');
	const forced = await run(['rm', '-f', 'p1'], env);
	t.is(forced.code, 0);
	t.regex(forced.stdout, /Successfully removed p1/);
});

test('rm asks once for all machines, and without an answer removes nothing and fails', async t => {
	const {env, store} = await fixtureEnv(t);
	const noAnswer = await run(['rm', 'p1', 'sysd1'], env);
	t.is(noAnswer.code, 1);
	t.is(noAnswer.stdout, 'About to remove p1, sysd1\nWARNING: This action will delete both local reference and remote instance.\nAre you sure? (y/n): ');
	t.regex(noAnswer.stderr, /nothing was removed; pass -y/);
	const declined = await run(['rm', 'p1'], env, 'n\n');
	t.is(declined.code, 0);
	t.deepEqual((await readdir(path.join(store, 'machines'))).sort(), ['p1', 'sysd1']);
	const accepted = await run(['rm', 'p1'], env, 'y\n');
	t.is(accepted.code, 0);
	t.regex(accepted.stdout, /Successfully removed p1\n$/);
	t.deepEqual(
		(await readdir(path.join(store, 'machines'))).filter(name => !name.startsWith('.')),
		['sysd1'],
	);
});

test('rm of a machine that does not exist fails with exit code 1 and still removes the others', async t => {
	const {env, store} = await fixtureEnv(t);
	const result = await run(['rm', '-y', 'ghost', 'p1'], env);
	t.is(result.code, 1);
	t.regex(result.stderr, /^Error removing host "ghost": Docker machine "ghost" does not exist/);
	t.deepEqual(
		(await readdir(path.join(store, 'machines'))).filter(name => !name.startsWith('.')),
		['sysd1'],
	);
	t.is((await run(['rm', '-y', 'ghost'], env)).code, 1);
});

test('start/stop/kill on a none machine say hosts without a driver cannot do that', async t => {
	const {env} = await fixtureEnv(t);
	const result = await run(['stop', 'p1'], env);
	t.is(result.code, 1);
	t.regex(result.stderr, /hosts without a driver cannot be stopped/);
});

test('env --unset takes no machine and prints unset lines for the detected shell', async t => {
	const {env} = await fixtureEnv(t);
	const result = await run(['env', '--unset', '--shell', 'fish'], env);
	t.is(
		result.stdout,
		'set -e DOCKER_TLS_VERIFY;\nset -e DOCKER_HOST;\nset -e DOCKER_CERT_PATH;\nset -e DOCKER_MACHINE_NAME;\n# Run this command to configure your shell: \n# eval (machinist env --unset --shell fish)\n',
	);
	const withName = await run(['env', '-u', 'p1'], env);
	t.is(withName.stderr, 'Error: Expected no machine name when the -u flag is present\n');
	const badShell = await run(['env', '--shell', 'klingon', 'p1'], env);
	t.is(badShell.code, 1);
	t.regex(badShell.stderr, /^Error: Unknown shell "klingon"/);
});

test('version prints the program version; help lists the commands', async t => {
	const {env} = await fixtureEnv(t);
	t.regex((await run(['version'], env)).stdout, /^machinist version \d+\.\d+\.\d+/);
	t.regex((await run(['-v'], env)).stdout, /^machinist version /);
	const help = await run(['--help'], env);
	t.is(help.code, 0);
	for (const command of ['active', 'config', 'create', 'env', 'inspect', 'ip', 'ls', 'rm', 'status', 'url', 'version']) {
		t.regex(help.stdout, new RegExp(String.raw`\n  ${command} *\t`), command);
	}
});

test('MACHINE_STORAGE_PATH and --storage-path choose the store', async t => {
	const {env, store} = await fixtureEnv(t);
	const empty = await temporaryDir(t);
	t.is((await run(['ls', '-q'], {...env, MACHINE_STORAGE_PATH: empty})).stdout, '');
	t.is((await run(['--storage-path', store, 'ls', '-q'], {...env, MACHINE_STORAGE_PATH: empty})).stdout, 'p1\nsysd1\n');
	t.is((await run(['-s', store, 'ls', '-q'], {HOME: empty})).stdout, 'p1\nsysd1\n');
});
