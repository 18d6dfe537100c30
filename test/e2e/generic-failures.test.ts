import {execFile, spawn} from 'node:child_process';
import http from 'node:http';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {type ExecutionContext} from 'ava';
import {builtCli, machinist} from '../helpers/cli.js';
import {startTestHost, testHostsAvailable, type TestHost, type TestHostKind} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

const withHosts = realTest(testHostsAvailable());

const exec = promisify(execFile);

async function world(t: ExecutionContext, kind: TestHostKind = 'no-init') {
	const host = await startTestHost(kind);
	t.teardown(async () => host.stop());
	const store = await temporaryDir(t, 'mf-');
	const keys: Record<'good' | 'bad', string> = {good: path.join(store, 'good'), bad: path.join(store, 'bad')};
	await Promise.all(Object.values(keys).map(async key => exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])));
	for (const user of ['root', 'deploy', 'needpw'] as const) await host.authorizeKey(user, await readFile(`${keys.good}.pub`, 'utf8'));
	const env = {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	return {host, store, env, keys};
}

function generic(host: TestHost, key: string, name: string, extra: string[] = []): string[] {
	return ['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', key, ...extra, name];
}

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
	const started = Date.now();
	const result = await work;
	return [result, Date.now() - started];
}

withHosts.serial('a wrong key fails fast, leaves the machine listed in an error state, and provision recovers it', async t => {
	const {host, env, keys} = await world(t);
	const [failed, ms] = await timed(machinist(generic(host, keys.bad, 'wrongkey'), env));
	t.true(ms < 15_000, `took ${ms} ms`);
	t.not(failed.code, 0);
	t.is(failed.stderr.trimEnd().split('\n').length, 1, failed.stderr);
	t.regex(failed.stderr, /Permission denied|not authorized/);
	t.regex(failed.stderr, /machinist provision wrongkey/);
	const listing = await machinist(['ls'], env);
	t.regex(listing.stdout, /\nwrongkey +- +generic +Error +.*Provisioning failed/);

	// The fix: authorize the key the machine uses, then provision.
	await host.authorizeKey('root', await readFile(`${keys.bad}.pub`, 'utf8'));
	const recovered = await machinist(['provision', 'wrongkey'], env);
	t.is(recovered.code, 0, recovered.stderr);
	t.regex((await machinist(['ls'], env)).stdout, /\nwrongkey +- +generic +Running +tcp:\/\/\S+ +v\S+ +\n/);
});

withHosts.serial('an unreachable address and a stopped sshd are clear errors within 15 s', async t => {
	const {host, env, keys} = await world(t);
	const unreachable = {...host, ip: host.ip.replace(/\.2$/, '.77')};
	const [lost, lostMs] = await timed(machinist(generic(unreachable, keys.good, 'nowhere'), env));
	t.true(lostMs < 15_000, `took ${lostMs} ms`);
	t.is(lost.code, 3);
	t.regex(lost.stderr, /^Error with pre-create check: "cannot reach SSH at 10\.200\.\d+\.77:22 \(.+\): check --generic-ip-address/);
	t.is((await machinist(['ls', '-q'], env)).stdout, '', 'nothing half-made is left by a failed pre-create check');

	t.is((await machinist(generic(host, keys.good, 'node'), env)).code, 0);
	await host.stopSshd();
	const [stopped, stoppedMs] = await timed(machinist(['provision', 'node'], env));
	t.true(stoppedMs < 15_000, `took ${stoppedMs} ms`);
	t.is(stopped.code, 1);
	t.regex(stopped.stderr, /refused/);
	const [created, createdMs] = await timed(machinist(generic(host, keys.good, 'other'), env));
	t.true(createdMs < 15_000, `took ${createdMs} ms`);
	t.regex(created.stderr, /connection refused/);
	await host.startSshd();
	t.is((await machinist(['provision', 'node'], env)).code, 0);
});

withHosts.serial('sshd killed in the middle of provisioning is a clear error, and a later provision succeeds', async t => {
	const {host, env, keys} = await world(t);
	t.is((await machinist(generic(host, keys.good, 'node'), env)).code, 0);
	// A new label changes the daemon's options, so this provision has real work to do.
	const child = spawn(process.execPath, [builtCli, 'provision', 'node'], {env: {PATH: process.env.PATH, ...env}});
	let stdout = '';
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const killed = new Promise<void>(resolve => {
		child.stdout.on('data', async (chunk: Buffer) => {
			stdout += chunk.toString();
			if (stdout.includes('Provisioning with')) {
				await host.exec('pkill -KILL -x sshd; true');
				resolve();
			}
		});
	});
	const code = await new Promise<number>(resolve => {
		child.on('close', exitCode => {
			resolve(exitCode ?? 1);
		});
	});
	await killed;
	t.is(code, 1, stdout);
	t.is(stderr.trimEnd().split('\n').length, 1, stderr);
	t.regex(stderr, /node/);
	await host.startSshd();
	const again = await machinist(['provision', 'node'], env);
	t.is(again.code, 0, again.stderr);
});

withHosts.serial('a sudo user provisions; a user whose sudo needs a password gets told how to fix it', async t => {
	const {host, env, keys} = await world(t);
	const deploy = await machinist(generic(host, keys.good, 'bydeploy', ['--generic-ssh-user', 'deploy']), env);
	t.is(deploy.code, 0, deploy.stderr);
	const needpw = await machinist(generic(host, keys.good, 'byneedpw', ['--generic-ssh-user', 'needpw']), env);
	t.not(needpw.code, 0);
	t.regex(needpw.stderr, /sudo on byneedpw needs a password for needpw: give needpw passwordless sudo \(NOPASSWD\) or use root/);
});

withHosts.serial('Docker is installed from --engine-install-url when missing (a script served from this machine)', async t => {
	const {host, env, keys} = await world(t);
	await host.exec('mv /usr/sbin/dockerd /opt/dockerd.stash');
	let fetched = 0;
	const server = http.createServer((_request, response) => {
		fetched++;
		response.end(
			'#!/bin/sh\nset -e\n# stands in for get.docker.com: the test host has no route to package registries\nmv /opt/dockerd.stash /usr/sbin/dockerd\n',
		);
	});
	const gateway = host.ip.replace(/\.2$/, '.1');
	await new Promise<void>(resolve => {
		server.listen(0, gateway, resolve);
	});
	t.teardown(() => server.close());
	const {port} = server.address() as {port: number};
	const created = await machinist(generic(host, keys.good, 'fresh', ['--engine-install-url', `http://${gateway}:${port}/install.sh`]), env);
	t.is(created.code, 0, created.stderr);
	t.true(created.stdout.includes('Installing Docker...'));
	t.is(fetched, 1);
	const refused = await machinist(generic(host, keys.good, 'never', ['--engine-install-url', 'none']), env);
	t.is(refused.code, 0, 'Docker is there now, so none is fine');
});

for (const kind of ['no-init', 'systemd'] as const) {
	withHosts.serial(`${kind} host: a daemon that cannot start with the given options fails at once with its own log lines`, async t => {
		const {host, env, keys} = await world(t, kind);
		const [failed, ms] = await timed(machinist(generic(host, keys.good, 'badopt', ['--engine-opt', 'no-such-dockerd-flag=1']), env));
		t.true(ms < 30_000, `took ${ms} ms`);
		t.not(failed.code, 0);
		t.is(failed.stderr.trimEnd().split('\n').length, 1, failed.stderr);
		t.regex(failed.stderr, /Docker did not come up on badopt: dockerd stopped.*last log lines: .*no-such-dockerd-flag/);
		t.regex((await machinist(['ls'], env)).stdout, /\nbadopt +- +generic +Error +.*Provisioning failed/);
	});
}
