import {execFile} from 'node:child_process';
import {rename, stat} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {type ExecutionContext} from 'ava';
import {generateCa, generateServerCertificate, generateSignedCert} from '../../source/engine/certs/generate.js';
import {createEngine} from '../../source/engine/index.js';
import {bootstrapCertificates} from '../../source/engine/certs/bootstrap.js';
import {writeFileAtomic} from '../../source/engine/store/files.js';
import {builtCli, machinist} from '../helpers/cli.js';
import {dockerdAvailable, startDockerd, type RunningDockerd} from '../helpers/dockerd.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

const withDockerd = realTest(dockerdAvailable());

const exec = promisify(execFile);

type World = {
	store: string;
	env: NodeJS.ProcessEnv;
	trusted: RunningDockerd;
	rogue: RunningDockerd;
};

/**
 * One store with two real TLS daemons on loopback: `trusted` has a server certificate from the
 * store's CA, `rogue` one from a CA the store has never seen.
 */
async function world(t: ExecutionContext): Promise<World> {
	const store = await temporaryDir(t, 'mt-');
	const env = {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	const engine = createEngine({storagePath: store, env});
	await bootstrapCertificates(engine);
	const serverDir = await temporaryDir(t, 'ms-');
	const trustedFiles = {
		caCertPath: engine.certPaths.caCert,
		caKeyPath: engine.certPaths.caKey,
		serverCertPath: path.join(serverDir, 'server.pem'),
		serverKeyPath: path.join(serverDir, 'server-key.pem'),
	};
	await generateServerCertificate({...trustedFiles, org: 'tester.trusted', hosts: ['127.0.0.1', 'localhost']});
	const otherCa = await generateCa('stranger');
	const rogueCert = await generateSignedCert({org: 'stranger.rogue', ca: otherCa, kind: 'server', hosts: ['127.0.0.1', 'localhost']});
	const rogueFiles = {
		caCertPath: path.join(serverDir, 'other-ca.pem'),
		serverCertPath: path.join(serverDir, 'rogue.pem'),
		serverKeyPath: path.join(serverDir, 'rogue-key.pem'),
	};
	await writeFileAtomic(rogueFiles.caCertPath, otherCa.certPem);
	await writeFileAtomic(rogueFiles.serverCertPath, rogueCert.certPem);
	await writeFileAtomic(rogueFiles.serverKeyPath, rogueCert.keyPem);
	const [trusted, rogue] = await Promise.all([startDockerd(trustedFiles), startDockerd(rogueFiles)]);
	t.teardown(async () => Promise.all([trusted.stop(), rogue.stop()]));
	return {store, env, trusted, rogue};
}

withDockerd.serial('a none machine on a real TLS dockerd: create, ls, env, config, and the real docker CLI', async t => {
	const {store, env, trusted} = await world(t);
	const created = await machinist(['create', '-d', 'none', '--url', trusted.url, 'local'], env);
	t.is(created.code, 0, created.stderr);
	t.is(
		created.stdout,
		'Running pre-create checks...\nCreating machine...\nTo see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: machinist env local\n',
	);

	const {stdout: serverVersion} = await exec('docker', ['--host', `unix://${trusted.socketPath}`, 'version', '--format', '{{.Server.Version}}']);
	const version = serverVersion.trim();
	t.regex(version, /^\d+\.\d+/);

	const listing = await machinist(['ls'], env);
	t.is(listing.code, 0, listing.stderr);
	const lines = listing.stdout.split('\n');
	t.regex(lines[0]!, /^NAME +ACTIVE +DRIVER +STATE +URL +SWARM +DOCKER +ERRORS$/);
	t.regex(
		lines[1]!,
		new RegExp(
			`^local +- +none +Running +${trusted.url.replaceAll('.', String.raw`\.`)} +v${version.replaceAll('.', String.raw`\.`).replaceAll('+', String.raw`\+`)} +$`,
		),
	);

	const printed = await machinist(['env', 'local'], env);
	t.is(printed.code, 0, printed.stderr);
	t.is(
		printed.stdout,
		[
			'export DOCKER_TLS_VERIFY="1"',
			`export DOCKER_HOST="${trusted.url}"`,
			`export DOCKER_CERT_PATH="${path.join(store, 'machines', 'local')}"`,
			'export DOCKER_MACHINE_NAME="local"',
			'# Run this command to configure your shell: ',
			'# eval $(machinist env local)',
			'',
		].join('\n'),
	);

	// Exactly what a user types, with the real docker CLI.
	const shell = `eval "$(node ${builtCli} env local)" && docker version --format '{{.Server.Version}}' && echo "active=$(node ${builtCli} active)"`;
	const {stdout: viaEnv} = await exec('bash', ['-c', shell], {env: {...process.env, ...env}});
	t.is(viaEnv, `${version}\nactive=local\n`);
	const {stdout: viaConfig} = await exec('bash', ['-c', `docker $(node ${builtCli} config local) version --format '{{.Server.Version}}'`], {
		env: {...process.env, ...env},
	});
	t.is(viaConfig.trim(), version);

	t.is((await machinist(['status', 'local'], env)).stdout, 'Running\n');
	t.is((await machinist(['url', 'local'], env)).stdout, `${trusted.url}\n`);
	t.is((await machinist(['version', 'local'], env)).stdout, `${version}\n`);
	const active = await machinist(['ls', '--format', '{{.Name}} {{.Active}} {{.DockerVersion}}'], {...env, DOCKER_HOST: trusted.url});
	t.is(active.stdout, `local * v${version}\n`);
	const inspected = JSON.parse((await machinist(['inspect', '--format', 'json', 'local'], env)).stdout) as {State: string; URL: string; DriverName: string};
	t.like(inspected, {State: 'Running', URL: trusted.url, DriverName: 'none'});
	const json = JSON.parse((await machinist(['ls', '--format', 'json'], env)).stdout) as Array<{Name: string; State: string; DockerVersion: string}>;
	t.like(json[0], {Name: 'local', State: 'Running', DockerVersion: `v${version}`});
});

withDockerd.serial("a daemon whose certificate another CA signed fails env with docker-machine's TLS error", async t => {
	const {env, rogue} = await world(t);
	t.is((await machinist(['create', '-d', 'none', '--url', rogue.url, 'rogue'], env)).code, 0);
	const printed = await machinist(['env', 'rogue'], env);
	t.is(printed.code, 1);
	t.is(printed.stdout, '');
	t.is(
		printed.stderr,
		[
			`Error checking TLS connection: Error checking and/or regenerating the certs: There was an error validating certificates for host "127.0.0.1:${rogue.port}": x509: certificate signed by unknown authority`,
			"You can attempt to regenerate them using 'machinist regenerate-certs [name]'.",
			'Be advised that this will trigger a Docker daemon restart which might stop running containers.',
			'',
		].join('\n'),
	);
	const config = await machinist(['config', 'rogue'], env);
	t.regex(
		config.stderr,
		/^Error running connection boilerplate: Error checking and\/or regenerating the certs: There was an error validating certificates for host/,
	);
	const listing = await machinist(['ls'], env);
	t.regex(
		listing.stdout,
		/\nrogue +- +none +Running +tcp:\/\/127\.0\.0\.1:\d+ +Unknown +Unable to query docker version: .*x509: certificate signed by unknown authority\n/,
	);
});

withDockerd.serial('missing client certificates and an unreachable daemon are one-line errors that delete nothing', async t => {
	const {store, env, trusted} = await world(t);
	t.is((await machinist(['create', '-d', 'none', '--url', trusted.url, 'local'], env)).code, 0);
	t.is((await machinist(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:1', 'gone'], env)).code, 0);

	const unreachable = await machinist(['env', 'gone'], env);
	t.is(unreachable.code, 1);
	t.is(unreachable.stderr, 'Error checking TLS connection: dial tcp 127.0.0.1:1: connect: connection refused\n');

	const caFile = path.join(store, 'certs', 'ca.pem');
	await rename(caFile, `${caFile}.away`);
	const missing = await machinist(['env', 'local'], env);
	t.is(missing.code, 1);
	t.is(missing.stderr.split('\n').length, 2, 'one line');
	t.true(missing.stderr.includes(caFile));
	t.regex(missing.stderr, /regenerate-certs --client-certs local/);
	t.is((await machinist(['ls', '-q'], env)).stdout, 'gone\nlocal\n');
	await rename(`${caFile}.away`, caFile);

	const machineKey = path.join(store, 'machines', 'local', 'key.pem');
	await rename(machineKey, `${machineKey}.away`);
	const noCopy = await machinist(['env', 'local'], env);
	t.is(noCopy.code, 0);
	t.is(noCopy.stderr, `Copied key.pem from ${path.join(store, 'certs')} into ${path.join(store, 'machines', 'local')}: the docker CLI reads them there\n`);
	t.is((await stat(machineKey)).mode & 0o777, 0o600);
});
