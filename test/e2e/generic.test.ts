import {execFile} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {type ExecutionContext} from 'ava';
import {builtCli, machinist, userShell} from '../helpers/cli.js';
import {busyboxImageTar, startTestHost, testHostsAvailable, type TestHost, type TestHostKind} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';
import {tmux} from '../helpers/tmux.js';
import {waitFor} from '../helpers/wait.js';

const withHosts = realTest(testHostsAvailable());

const exec = promisify(execFile);

type Setup = {host: TestHost; store: string; env: NodeJS.ProcessEnv; key: string};

async function setup(t: ExecutionContext, kind: TestHostKind): Promise<Setup> {
	const host = await startTestHost(kind);
	t.teardown(async () => host.stop());
	const store = await temporaryDir(t, 'mg-');
	const key = path.join(store, 'userkey');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
	await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
	const env = {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	return {host, store, env, key};
}

/** Types `line` into `machinist ssh NAME` running in a real terminal (tmux); returns the exit code. */
async function interactiveExitCode(env: NodeJS.ProcessEnv, name: string, line: string): Promise<number> {
	const session = `mssh${process.pid}`;
	const marker = path.join(String(env.MACHINE_STORAGE_PATH), 'ssh-exit');
	const command = `env -i PATH=${env.PATH} HOME=${env.HOME} MACHINE_STORAGE_PATH=${env.MACHINE_STORAGE_PATH} TERM=xterm ${process.execPath} ${builtCli} ssh ${name}; echo $? > ${marker}`;
	await tmux(['-f', '/dev/null', 'new-session', '-d', '-s', session, '-x', '100', '-y', '30', command]);
	try {
		let typed = false;
		const exitCode = await waitFor(
			'the interactive ssh session to end',
			async () => {
				const written = await readFile(marker, 'utf8').catch(() => undefined);
				if (written !== undefined) return Number(written.trim());
				const {stdout: screen} = await tmux(['capture-pane', '-p', '-t', session]).catch(() => ({stdout: ''}));
				// Typed once the remote shell shows its prompt.
				if (!typed && /[#$] *$/m.test(screen)) {
					await tmux(['send-keys', '-t', session, line, 'Enter']);
					typed = true;
				}

				return undefined;
			},
			{timeoutMs: 30_000, intervalMs: 200},
		);
		return exitCode;
	} finally {
		await tmux(['kill-session', '-t', session]).catch(() => undefined);
	}
}

for (const kind of ['systemd', 'no-init'] as const) {
	withHosts.serial(`${kind} host: create -d generic, env, docker run, provision twice, regenerate-certs, ssh, scp, host-key pinning`, async t => {
		const {host, store, env, key} = await setup(t, kind);
		const name = 'node1';

		const started = Date.now();
		const created = await machinist(
			['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', key, '--engine-label', 'team=qa', name],
			env,
		);
		t.log(`create took ${Date.now() - started} ms`);
		t.is(created.code, 0, created.stderr + created.stdout);
		t.deepEqual(
			created.stdout.split('\n').filter(line => !line.startsWith('Creating CA') && !line.startsWith('Creating client')),
			[
				'Running pre-create checks...',
				'Creating machine...',
				'Waiting for machine to be running, this may take a few minutes...',
				'Detecting operating system of created instance...',
				'Waiting for SSH to be available...',
				'Detecting the provisioner...',
				'Provisioning with debian...',
				'Copying certs to the local machine directory...',
				'Copying certs to the remote machine...',
				'Setting Docker configuration on the remote daemon...',
				'Checking connection to Docker...',
				'Docker is up and running!',
				`To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: machinist env ${name}`,
				'',
			],
		);

		const tar = await busyboxImageTar();
		const run = await userShell(
			env,
			`eval "$(machinist env ${name})" && docker import ${tar} busybox:machinist >/dev/null && docker run --rm busybox:machinist echo ok`,
		);
		t.is(run.stdout, 'ok\n', run.stderr);
		t.regex(
			(await machinist(['ls', '--filter', 'label=team=qa'], env)).stdout,
			new RegExp(String.raw`\n${name} +- +generic +Running +tcp://${host.ip.replaceAll('.', String.raw`\.`)}:2376 +v\S+ +\n`),
		);
		t.is((await host.exec('hostname')).stdout.trim(), name);

		for (const round of [1, 2]) {
			const provisioned = await machinist(['provision', name], env);
			t.is(provisioned.code, 0, `provision ${round}: ${provisioned.stderr}`);
		}

		const before = await readFile(path.join(store, 'machines', name, 'server.pem'), 'utf8');
		const regenerated = await machinist(['regenerate-certs', '-f', name], env);
		t.is(regenerated.code, 0, regenerated.stderr);
		t.not(await readFile(path.join(store, 'machines', name, 'server.pem'), 'utf8'), before);
		const version = await userShell(env, `eval "$(machinist env ${name})" && docker version --format '{{.Server.Version}}'`);
		t.regex(version.stdout, /^\d+\.\d+/, version.stderr);

		// --client-certs makes a new CA and client certificate even though the old ones are valid
		// (docker-machine only did when they were missing, #4397), and the machine trusts the new CA.
		const oldCa = await readFile(path.join(store, 'certs', 'ca.pem'), 'utf8');
		const rotated = await machinist(['regenerate-certs', '-f', '--client-certs', name], env);
		t.is(rotated.code, 0, rotated.stderr);
		t.regex(rotated.stdout, /Regenerating local certificates\nCreating CA: .*ca\.pem\nCreating client certificate: .*cert\.pem\n/);
		t.not(await readFile(path.join(store, 'certs', 'ca.pem'), 'utf8'), oldCa);
		t.is(await readFile(path.join(store, 'machines', name, 'ca.pem'), 'utf8'), await readFile(path.join(store, 'certs', 'ca.pem'), 'utf8'));
		const afterRotation = await userShell(env, `eval "$(machinist env ${name})" && docker version --format '{{.Server.Version}}'`);
		t.is(afterRotation.stdout, version.stdout, afterRotation.stderr);

		t.is((await machinist(['ssh', name, 'false'], env)).code, 1);
		t.is((await userShell(env, `machinist ssh ${name} echo hello from '$(hostname)'`)).stdout, `hello from ${name}\n`);

		// Without OpenSSH on PATH, machinist's own client runs commands and interactive shells.
		const noSsh = {...env, PATH: path.dirname(process.execPath)};
		const native = await machinist(['ssh', name, 'echo', 'native; exit 3'], noSsh);
		t.is(native.stdout, 'native\n');
		t.is(native.code, 3);
		t.is(await interactiveExitCode(noSsh, name, 'exit 7'), 7);

		const local = path.join(store, 'note.txt');
		await writeFile(local, 'to the machine\n');
		t.is((await machinist(['scp', local, `${name}:/tmp/note.txt`], env)).code, 0);
		t.is((await host.exec('cat /tmp/note.txt')).stdout, 'to the machine\n');
		await host.exec('echo from the machine > /tmp/back.txt');
		t.is((await machinist(['scp', `${name}:/tmp/back.txt`, path.join(store, 'back.txt')], env)).code, 0);
		t.is(await readFile(path.join(store, 'back.txt'), 'utf8'), 'from the machine\n');

		await host.regenerateHostKeys();
		const refused = await machinist(['ssh', name, 'true'], env);
		t.not(refused.code, 0);
		t.regex(refused.stderr, /changed/i);
		t.regex(refused.stderr, /SHA256:/);
		t.is((await machinist(['ssh', '--reset-host-key', name], env)).code, 0);
		t.is((await machinist(['ssh', name, 'true'], env)).code, 0);
	});
}
