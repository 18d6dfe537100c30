import {execFile, spawn} from 'node:child_process';
import {generateKeyPairSync} from 'node:crypto';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {builtCli, machinist} from '../helpers/cli.js';
import {startTestHost, testHostsAvailable, type TestHost} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {createEngine} from '../../source/engine/engine.js';
import {sshCommand} from '../../source/tui/actions.js';
import {storeEnv} from './snapshot.js';
import {dropLink, restoreLink} from './link.js';

const withHosts = realTest(testHostsAvailable());

const exec = promisify(execFile);

/** Values for --engine-env that each quoting layer (shell, systemd) likes to change. */
const engineEnv = [
	['DOLLAR', '$HOME and ${HOME} and $$'],
	['PERCENT', '%h %n %% 100%'],
	['QUOTES', 'say "hi" and \'bye\''],
	['BACKSLASH', String.raw`C:\path\ and \n not a newline`],
	['SPACES', '  leading and trailing  '],
	['NEWLINE', 'one\ntwo'],
	['MIXED', '`id` $(id) ; & | < >'],
] as const;

/** dockerd's environment as the kernel holds it, read from /proc inside the host. */
async function dockerdEnvironment(host: TestHost): Promise<Map<string, string>> {
	const result = await host.exec('base64 -w0 /proc/$(pidof dockerd)/environ');
	const entries = Buffer.from(result.stdout.trim(), 'base64').toString('utf8').split('\0').filter(Boolean);
	return new Map(entries.map(entry => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

withHosts.serial('a store path with spaces and quotes, hostile --engine-env values, key/cert checks and a dropped link, on one real host', async t => {
	const host = await startTestHost('systemd');
	t.teardown(async () => host.stop());
	const {store, env} = await storeEnv(t, 'my "machines" it\'s %h');
	await mkdir(store, {recursive: true});
	const key = path.join(store, 'user key');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
	await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
	const name = 'hostile';
	const created = await machinist(
		[
			'create',
			'-d',
			'generic',
			'--generic-ip-address',
			host.ip,
			'--generic-ssh-key',
			key,
			...engineEnv.flatMap(([variable, value]) => ['--engine-env', `${variable}=${value}`]),
			name,
		],
		env,
	);
	t.is(created.code, 0, created.stderr + created.stdout);

	// Item 5: the values dockerd really runs with.
	const seen = await dockerdEnvironment(host);
	for (const [variable, value] of engineEnv) t.is(seen.get(variable), value, variable);

	// Item 6: ssh, scp (both ways, and with rsync), mount and the app's hand-off from this store.
	t.is((await machinist(['ssh', name, 'echo', 'ok'], env)).stdout, 'ok\n');
	const local = path.join(store, 'a file');
	await writeFile(local, 'payload\n');
	const up = await machinist(['scp', local, `${name}:/tmp/up.txt`], env);
	t.is(up.code, 0, up.stderr);
	t.is((await host.exec('cat /tmp/up.txt')).stdout, 'payload\n');
	const down = await machinist(['scp', `${name}:/tmp/up.txt`, path.join(store, 'down.txt')], env);
	t.is(down.code, 0, down.stderr);
	// The test hosts have no rsync: that the remote shell reports so proves rsync's ssh, given
	// the key and pins from this store, got in.
	const delta = await machinist(['scp', '-d', '-q', local, `${name}:/tmp/delta.txt`], env);
	t.regex(delta.stderr, /^bash: line \d+: rsync: command not found$/m);
	const mountpoint = path.join(store, 'mount point');
	await mkdir(mountpoint);
	const mounted = await machinist(['mount', `${name}:/tmp`, mountpoint], env);
	t.is(mounted.code, 0, mounted.stderr);
	t.is(await readFile(path.join(mountpoint, 'up.txt'), 'utf8'), 'payload\n');
	t.is((await machinist(['mount', '-u', `${name}:/tmp`, mountpoint], env)).code, 0);
	const handOff = await sshCommand(createEngine({storagePath: store, env: {...env, PATH: process.env.PATH}}), name);
	const {stdout} = await exec(handOff.binary, [...handOff.args, 'echo', 'app'], {env: {PATH: process.env.PATH}});
	t.is(stdout, 'app\n');

	// Item 8: a server key that is not the certificate's is never uploaded; provision makes a new pair.
	const machineDir = path.join(store, 'machines', name);
	const remoteKeyBefore = (await host.exec('sha256sum /etc/docker/server-key.pem')).stdout;
	const stranger = generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey.export({type: 'pkcs1', format: 'pem'});
	await writeFile(path.join(machineDir, 'server-key.pem'), stranger, {mode: 0o600});
	const repaired = await machinist(['provision', name], env);
	t.is(repaired.code, 0, repaired.stderr);
	t.not(await readFile(path.join(machineDir, 'server-key.pem'), 'utf8'), stranger, 'the mismatched key was replaced');
	t.not((await host.exec('sha256sum /etc/docker/server-key.pem')).stdout, remoteKeyBefore);
	t.is((await machinist(['env', name], env)).code, 0, 'dockerd answers with the new pair');

	// The link drops (a firewall rule inside the host's namespace) while docker restarts.
	const started = Date.now();
	const child = spawn(process.execPath, [builtCli, 'regenerate-certs', '-f', name], {env: {PATH: process.env.PATH, ...env}});
	let output = '';
	let droppedAt = 0;
	const finished = new Promise<number>(resolve =>
		child.once('exit', code => {
			resolve(code ?? 1);
		}),
	);
	child.stdout.on('data', async (chunk: Buffer) => {
		output += chunk.toString();
		if (droppedAt === 0 && output.includes('Copying certs to the remote machine')) {
			droppedAt = Date.now();
			await dropLink(host);
		}
	});
	child.stderr.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	t.teardown(async () => restoreLink(host));
	const code = await finished;
	const afterDrop = (Date.now() - droppedAt) / 1000;
	t.log(`regenerate-certs gave up ${afterDrop.toFixed(1)} s after the link dropped (${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
	t.is(code, 1);
	t.true(droppedAt > 0, output);
	t.regex(output, new RegExp(`ssh ${host.ip.replaceAll('.', String.raw`\.`)}:22: no answer for 15 s during "[^"]+" on ${name}`));
	t.true(afterDrop < 25, `bounded: ${afterDrop} s`);
	await restoreLink(host);
	const recovered = await machinist(['provision', name], env);
	t.is(recovered.code, 0, `provision recovers once the link is back: ${recovered.stderr}`);
});
