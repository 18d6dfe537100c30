import {spawn, execFileSync} from 'node:child_process';
import {cp, mkdir, readFile, rename, stat, writeFile, chmod, readdir} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {builtCli, machinist, machinistInProcess as run} from '../helpers/cli.js';
import {temporaryDir} from '../helpers/store.js';
import {tcpServer} from '../helpers/servers.js';
import {waitFor} from '../helpers/wait.js';
import {tlsDaemon} from '../helpers/tls-daemon.js';
import {storeSnapshot, storeEnv} from './snapshot.js';

const noneMachine = async (env: NodeJS.ProcessEnv, name: string, port = 2376) => run(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${port}`, name], env);

test('rm -f of "..", ".", "" or "/" refuses the name and leaves the store and its CA in place', async t => {
	const {store, env} = await storeEnv(t);
	await noneMachine(env, 'keep');
	const before = await storeSnapshot(store);
	for (const name of ['..', '.', '', '/', '../..', 'keep/..', 'a\0b']) {
		for (const args of [
			['rm', '-f', '-y', name],
			['rm', '-y', name],
			['rm', '-f', name],
		]) {
			const result = await run(args, env);
			t.is(result.code, 1, `${JSON.stringify(args)}`);
			t.regex(result.stderr, /^Invalid machine name .+\n$/, JSON.stringify(args));
			t.notRegex(result.stdout, /About to remove/, 'refused before asking');
		}
	}

	t.deepEqual(await storeSnapshot(store), before);
	t.is((await run(['ls', '-q'], env)).stdout, 'keep\n');
});

test('a 300-character name gets a one-line length message from create and from every other command', async t => {
	const {store, env} = await storeEnv(t);
	const long = 'x'.repeat(300);
	const created = await noneMachine(env, long);
	t.is(created.code, 1);
	t.is(
		created.stderr,
		`Error creating machine: Invalid machine name "${'x'.repeat(40)}"… (300 characters): a machine name is at most 64 characters long (it becomes the host's hostname)\n`,
	);
	t.is((await noneMachine(env, 'y'.repeat(65))).code, 1);
	t.is((await noneMachine(env, 'y'.repeat(64))).code, 0, '64 characters, the hostname limit, is fine');
	for (const command of ['env', 'inspect', 'ip', 'url', 'status', 'config', 'provision', 'regenerate-certs', 'stop', 'ssh']) {
		const result = await run([command, ...(command === 'regenerate-certs' ? ['-f'] : []), long], env);
		t.is(result.code, 1, command);
		t.regex(result.stderr, /^(Error.*: )?Invalid machine name "x{40}"… \(300 characters\): a machine name is at most 200 bytes long\n$/, command);
		t.notRegex(result.stderr, /ENAMETOOLONG|internal error/);
	}

	t.deepEqual((await readdir(path.join(store, 'machines'))).sort(), ['y'.repeat(64)]);
});

test('20 parallel creates of one name: exactly one succeeds, the others say it already exists', async t => {
	const {store, env} = await storeEnv(t);
	const results = await Promise.all(
		Array.from({length: 20}, async (_, index) => machinist(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${3000 + index}`, 'dup'], env)),
	);
	t.is(results.filter(result => result.code === 0).length, 1);
	const losers = results.filter(result => result.code !== 0);
	t.is(losers.length, 19);
	for (const loser of losers) t.is(loser.stderr, 'Docker machine "dup" already exists\n');
	const winner = results.findIndex(result => result.code === 0);
	const config = JSON.parse(await readFile(path.join(store, 'machines', 'dup', 'config.json'), 'utf8')) as {Driver: {URL: string}};
	t.is(config.Driver.URL, `tcp://127.0.0.1:${3000 + winner}`, "the record is the winner's, not overwritten by a loser");
	t.deepEqual(await readdir(path.join(store, 'machines')), ['dup'], 'no lock files left');
});

test('the directory is the identity: a renamed machine lists, points env and inspects under its new name', async t => {
	const {store, env} = await storeEnv(t);
	const url = await tlsDaemon(t, store);
	t.is((await run(['create', '-d', 'none', '--url', url, 'old'], env)).code, 0);
	await rename(path.join(store, 'machines', 'old'), path.join(store, 'machines', 'new'));
	t.is((await run(['ls', '-q'], env)).stdout, 'new\n');
	const shown = await run(['env', '--shell', 'bash', 'new'], env);
	const newDir = path.join(store, 'machines', 'new');
	t.is(shown.code, 0, shown.stderr);
	t.true(shown.stdout.includes(`export DOCKER_CERT_PATH="${newDir}"\nexport DOCKER_MACHINE_NAME="new"\n`));
	t.is(
		(await run(['inspect', '-f', '{{.Name}} {{.HostOptions.AuthOptions.ServerCertPath}} {{.HostOptions.AuthOptions.StorePath}}', 'new'], env)).stdout,
		`new ${newDir}/server.pem ${newDir}\n`,
	);
	t.true((await run(['config', 'new'], env)).stdout.includes(`--tlscert="${newDir}/cert.pem"`));
	t.notRegex(shown.stdout + shown.stderr, /machines\/old/);
	const ls = await run(['ls', '--format', '{{.Name}}|{{.Error}}'], env);
	t.regex(ls.stdout, /^new\|config\.json names this machine "old"; "machinist provision new" rewrites it for "new"(; .*)?\n$/);
});

test('a config whose Name names another machine makes no duplicate row', async t => {
	const {store, env} = await storeEnv(t);
	await noneMachine(env, 'a', 2001);
	await cp(path.join(store, 'machines', 'a'), path.join(store, 'machines', 'b'), {recursive: true});
	t.is((await run(['ls', '-q'], env)).stdout, 'a\nb\n');
	t.is((await run(['inspect', '-f', '{{.Name}} {{.Driver.URL}}', 'b'], env)).stdout, 'b tcp://127.0.0.1:2001\n');
	t.is((await run(['rm', '-y', 'b'], env)).code, 0);
	t.is((await run(['ls', '-q'], env)).stdout, 'a\n', 'removing the copy leaves the original');
});

test("the store's loaded record follows its directory through a save", async t => {
	const {store, env} = await storeEnv(t);
	await noneMachine(env, 'old');
	await rename(path.join(store, 'machines', 'old'), path.join(store, 'machines', 'new'));
	const {Store} = await import('../../source/engine/store/store.js');
	const machines = new Store(store);
	await machines.save(await machines.load('new'));
	const saved = JSON.parse(await readFile(path.join(store, 'machines', 'new', 'config.json'), 'utf8')) as {
		Name: string;
		Driver: {MachineName: string};
		HostOptions: {AuthOptions: {ServerKeyPath: string}};
	};
	t.is(saved.Name, 'new');
	t.is(saved.Driver.MachineName, 'new');
	t.is(saved.HostOptions.AuthOptions.ServerKeyPath, path.join(store, 'machines', 'new', 'server-key.pem'));
	t.notRegex((await run(['ls', '--format', '{{.Name}}|{{.Error}}'], env)).stdout, /config\.json names/);
});

test('create leaves a shared (1777) store directory as it is, warns, and makes its own directories 0700', async t => {
	const parent = await temporaryDir(t);
	const store = path.join(parent, 'shared');
	await mkdir(store);
	await chmod(store, 0o1777);
	const env = {MACHINE_STORAGE_PATH: store, HOME: parent, USER: 'tester'};
	const result = await noneMachine(env, 'm1');
	t.is(result.code, 0);
	t.true(result.stdout.includes(`Warning: ${store} is writable by every user`));
	t.is((await stat(store)).mode & 0o7777, 0o1777);
	for (const dir of ['machines', 'certs', 'machines/m1']) t.is((await stat(path.join(store, dir))).mode & 0o777, 0o700, dir);
	const fresh = path.join(parent, 'a', 'b', 'store');
	t.false((await noneMachine({...env, MACHINE_STORAGE_PATH: fresh}, 'm2')).stdout.includes('Warning'));
	for (const dir of ['a', 'a/b', 'a/b/store']) t.is((await stat(path.join(parent, dir))).mode & 0o777, 0o700, `new ${dir}`);
	t.is((await stat(parent)).mode & 0o777, 0o700, 'the existing parent keeps its mode');
});

test('ls during a create shows it as Creating; after the create is killed the lock is swept', async t => {
	const {store, env} = await storeEnv(t);
	const silent = await tcpServer(t);
	silent.goSilent();
	const key = path.join(store, 'id_test');
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
	const child = spawn(
		process.execPath,
		[builtCli, 'create', '-d', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(silent.port), '--generic-ssh-key', key, 'busy'],
		{env: {PATH: process.env.PATH, ...env}, stdio: 'ignore'},
	);
	t.teardown(() => child.kill('SIGKILL'));
	let row = '';
	// Up to 60 s: the create is a separate node process, slow to start on a loaded machine.
	await waitFor(
		'ls to show busy as Creating',
		async () => {
			row = (await run(['ls', '--format', '{{.Name}}|{{.State}}|{{.Error}}'], env)).stdout;
			return row.startsWith('busy|Creating');
		},
		{timeoutMs: 60_000, intervalMs: 100, detail: () => row},
	).catch(() => undefined);
	t.is(row, 'busy|Creating|\n');
	child.kill('SIGKILL');
	await new Promise(resolve => child.once('exit', resolve));
	t.true((await readdir(path.join(store, 'machines'))).includes('.busy.lock'), 'kill -9 leaves the lock');
	row = (await run(['ls', '--format', '{{.Name}}|{{.State}}'], env)).stdout;
	t.regex(row, /^busy\|(Running|Error)\n$/, 'no longer Creating');
	t.deepEqual(await readdir(path.join(store, 'machines')), ['busy'], "ls swept the dead create's lock");
	t.is((await run(['rm', '-f', '-y', 'busy'], env)).code, 0);
	t.deepEqual(await readdir(path.join(store, 'machines')), []);
});

test("stale lock files of names that were never created are swept; a live holder's lock is kept", async t => {
	const {store, env} = await storeEnv(t);
	await noneMachine(env, 'real');
	const dead = spawn(process.execPath, ['-e', '']);
	await new Promise(resolve => dead.once('exit', resolve));
	const machines = path.join(store, 'machines');
	await writeFile(path.join(machines, '.ghost.lock'), `${dead.pid}\nmachinist create ghost\nCreating\n\n`);
	await writeFile(path.join(machines, '.alive.lock'), `${process.pid}\nthis test\n\n\n`);
	await writeFile(path.join(machines, 'real', `.config.json.${dead.pid}.0123abcd.tmp`), '{');
	await run(['ls', '-q'], env);
	t.deepEqual((await readdir(machines)).sort(), ['.alive.lock', 'real']);
	t.deepEqual(
		(await readdir(path.join(machines, 'real'))).filter(name => name.startsWith('.')),
		[],
	);
});

const hostileNames = ['', '.', '..', '/', '../..', '../certs', 'a/b', '/etc', 'x\0y', 'x'.repeat(300), '$(touch MARK)', '`touch MARK`', '-', '..\n', ' ', '*'];
const commandsTakingNames: ReadonlyArray<(name: string) => string[]> = [
	name => ['config', name],
	name => ['env', name],
	name => ['inspect', name],
	name => ['ip', name],
	name => ['kill', name],
	name => ['mount', `${name}:/tmp`, '/nonexistent-mountpoint'],
	name => ['provision', name],
	name => ['regenerate-certs', '-f', name],
	name => ['restart', name],
	name => ['rm', '-f', '-y', name],
	name => ['scp', `${name}:/etc/hostname`, '/nonexistent/x'],
	name => ['ssh', name, 'true'],
	name => ['start', name],
	name => ['status', name],
	name => ['stop', name],
	name => ['upgrade', name],
	name => ['url', name],
	name => ['create', '-d', 'none', '--url', 'tcp://127.0.0.1:1', name],
];

test('every command refuses every hostile name with one line and changes nothing', async t => {
	const {store, env} = await storeEnv(t);
	await noneMachine(env, 'keep');
	const before = await storeSnapshot(store);
	let tried = 0;
	for (const name of hostileNames) {
		for (const command of commandsTakingNames) {
			const args = command(name);
			const result = await run(args, {...env, PATH: '/nonexistent'});
			tried++;
			// rm -f of a name no machine has exits 0, as docker-machine's did: what -f asks, that the
			// machine be gone, holds. Every other run fails.
			const goneAlready = args[0] === 'rm' && args.includes('-f') && result.stderr.includes(`Docker machine "${name}" does not exist.`);
			t.is(result.code === 0, goneAlready, JSON.stringify(args));
			t.regex(result.stderr, /^[^\n]+\n$/, `one line for ${JSON.stringify(args)}`);
			t.notRegex(result.stderr, /internal error|ENAMETOOLONG|EISDIR|ENOTDIR/, JSON.stringify(args));
		}
	}

	t.deepEqual(await storeSnapshot(store), before);
	t.log(`${hostileNames.length} hostile names through ${commandsTakingNames.length} commands: ${tried} runs`);
});
