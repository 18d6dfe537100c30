/**
 * The install branch of provisioning, for real: test hosts without Docker get Debian's docker.io
 * from a local apt repository (test/helpers/docker-repo.ts) served from this machine on their
 * link, through `--engine-install-url URL` (a get.docker.com-shaped script) and through
 * `--engine-install-url distro` (the distribution's package, from the host's own apt sources).
 */
import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import fs from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';
import type {ExecutionContext} from 'ava';
import {machinist, userShell} from '../helpers/cli.js';
import {aptSourceLine, dockerRepoAvailable, dockerRepoServer, ensureDockerRepo, type DockerRepo} from '../helpers/docker-repo.js';
import {busyboxImageTar, startTestHost, testHostsAvailable} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

const exec = promisify(execFile);
const test = realTest(testHostsAvailable(), dockerRepoAvailable());

/** apt and dpkg unpacking docker.io and containerd on a loaded machine: minutes, not seconds. */
const createTimeoutMs = 10 * 60_000;

/**
 * A host without Docker, the repository served on its link, and a store with a key the host
 * takes for root.
 */
async function hostWithoutDocker(t: ExecutionContext) {
	t.timeout(createTimeoutMs + 3 * 60_000);
	const repo = await ensureDockerRepo();
	const host = await startTestHost('systemd', {docker: false});
	t.teardown(async () => host.stop());
	const store = await temporaryDir(t, 'mi-');
	const key = path.join(store, 'userkey');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
	await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
	const env = {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	const before = await host.exec('for c in dockerd docker containerd runc; do command -v $c; done; dpkg-query -W docker.io');
	t.is(before.stdout, '', 'the host starts without Docker');
	const server = dockerRepoServer(t, repo);
	const base = `http://${host.machineAddress}:${await server.listen(host.machineAddress)}`;
	return {repo, host, env, server, base, key};
}

/** `create -d generic` with an --engine-install-url, which says it installs Docker and succeeds. */
async function createInstalling(t: ExecutionContext, world: Awaited<ReturnType<typeof hostWithoutDocker>>, name: string, installUrl: string): Promise<void> {
	const started = Date.now();
	const created = await machinist(
		['create', '-d', 'generic', '--generic-ip-address', world.host.ip, '--generic-ssh-key', world.key, '--engine-install-url', installUrl, name],
		world.env,
		undefined,
		createTimeoutMs,
	);
	t.log(`create (with the install) took ${Math.round((Date.now() - started) / 1000)} s`);
	t.is(created.code, 0, created.stderr + created.stdout);
	t.true(created.stdout.includes('Provisioning with debian...\nInstalling Docker...\n'), created.stdout);
	t.true(
		world.server.requests.some(request => request.startsWith('/linux/debian/pool/') && request.includes('/docker.io_')),
		'apt fetched docker.io from the repository',
	);
	t.is((await world.host.exec("dpkg-query -W -f '${Version}' docker.io")).stdout, world.repo.dockerVersion);
}

/** `docker run` through `machinist env` (TLS to port 2376), and the server's version. */
async function dockerRunsOverTls(t: ExecutionContext, env: NodeJS.ProcessEnv, name: string, ip: string, repo: DockerRepo): Promise<void> {
	const environment = await machinist(['env', name], env);
	t.regex(environment.stdout, /export DOCKER_TLS_VERIFY="1"/);
	t.true(environment.stdout.includes(`export DOCKER_HOST="tcp://${ip}:2376"`), environment.stdout);
	const tar = await busyboxImageTar();
	const run = await userShell(
		env,
		`eval "$(machinist env ${name})" && docker import ${tar} busybox:machinist >/dev/null && docker run --rm busybox:machinist echo ok && docker version --format '{{.Server.Version}}'`,
	);
	t.is(run.stdout, `ok\n${repo.serverVersion}\n`, run.stderr);
}

test('--engine-install-url URL on a host without Docker runs a get.docker.com-shaped script that installs docker.io from a local repository; docker run works over TLS', async t => {
	const world = await hostWithoutDocker(t);
	await createInstalling(t, world, 'byscript', `${world.base}/install.sh`);
	t.is(world.server.requests[0], '/install.sh');
	t.true(world.server.requests.includes('/linux/debian/gpg'), 'the script fetched the signing key');
	t.regex(
		(await world.host.exec('cat /etc/apt/sources.list.d/docker.list')).stdout,
		new RegExp(
			String.raw`^deb \[arch=\S+ signed-by=/etc/apt/keyrings/docker\.asc\] ${world.base.replaceAll('.', String.raw`\.`)}/linux/debian bookworm stable\n$`,
		),
	);
	await dockerRunsOverTls(t, world.env, 'byscript', world.host.ip, world.repo);
});

test('--engine-install-url distro on a host without Docker installs docker.io from its own apt sources; docker run works over TLS', async t => {
	const world = await hostWithoutDocker(t);
	// The host's apt sources name the local repository and nothing else, as a mirror would be.
	const keyring = '/etc/apt/keyrings/machinist-test.asc';
	fs.mkdirSync(path.join(world.host.rootfs, path.dirname(keyring)), {recursive: true});
	fs.copyFileSync(path.join(world.repo.dir, 'gpg'), path.join(world.host.rootfs, keyring));
	fs.writeFileSync(path.join(world.host.rootfs, 'etc/apt/sources.list'), aptSourceLine(world.base, keyring));
	await createInstalling(t, world, 'bydistro', 'distro');
	t.false(world.server.requests.includes('/install.sh'), 'no script: the package manager installs it');
	await dockerRunsOverTls(t, world.env, 'bydistro', world.host.ip, world.repo);
});
