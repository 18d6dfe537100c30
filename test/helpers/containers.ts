/**
 * Machines whose daemons hold real containers, for container tests: a loopback TLS dockerd with
 * the busybox image imported from a tar (no registry), a `none` machine on it, and the docker CLI
 * on the daemon's unix socket to do things "outside the app" and to read `docker ps -a`.
 */
import {execFile} from 'node:child_process';
import path from 'node:path';
import {promisify} from 'node:util';
import type {ExecutionContext} from 'ava';
import {createMachine, type Engine} from '../../source/engine/index.js';
import {findProgram} from '../../source/engine/programs.js';
import {type RunningDockerd, startDockerd, storeWithDockerd} from './dockerd.js';
import {busyboxImageTar} from './hosts.js';
import type {Availability} from './real.js';
import {temporaryDir} from './store.js';

const exec = promisify(execFile);

export const busyboxImage = 'busybox:machinist';

export function dockerCliAvailable(): Availability {
	return findProgram('docker', process.env) ? {ok: true} : {ok: false, why: 'the docker CLI is not on PATH; install docker.io (Debian) or docker-ce-cli'};
}

/** The docker CLI on a daemon's own unix socket; its output, trimmed. */
export async function docker(daemon: Pick<RunningDockerd, 'socketPath'>, ...args: string[]): Promise<string> {
	const {stdout} = await exec('docker', ['-H', `unix://${daemon.socketPath}`, ...args], {env: {PATH: process.env.PATH}, maxBuffer: 64 * 1024 * 1024});
	return stdout.trim();
}

/** A container that runs until stopped, without a network (the test daemons have no bridge). */
export async function runContainer(daemon: Pick<RunningDockerd, 'socketPath'>, name: string, options: {tty?: boolean; script?: string} = {}): Promise<string> {
	const script = options.script ?? 'trap "exit 0" TERM; while true; do sleep 1; done';
	return docker(daemon, 'run', '-d', ...(options.tty ? ['-t'] : []), '--network=none', `--name=${name}`, busyboxImage, 'sh', '-c', script);
}

export async function importBusybox(daemon: Pick<RunningDockerd, 'socketPath'>): Promise<void> {
	await docker(daemon, 'import', '--change', 'ENV PATH=/bin', await busyboxImageTar(), busyboxImage);
}

/** A store, a real dockerd holding the busybox image, and the `none` machine `name` on it. */
export async function machineWithContainers(
	t: ExecutionContext,
	name = 'box',
): Promise<{engine: Engine; dockerd: RunningDockerd; store: string; env: NodeJS.ProcessEnv}> {
	const store = await temporaryDir(t, 'mct-');
	const env = {PATH: process.env.PATH, HOME: store, MACHINE_STORAGE_PATH: store, MACHINIST_CONFIG_DIR: path.join(store, 'prefs')};
	const {engine, dockerd} = await storeWithDockerd(t, store, env, store);
	await importBusybox(dockerd);
	await createMachine(engine, {name, driverName: 'none', given: {url: dockerd.url}});
	return {engine, dockerd, store, env};
}

/** The same daemon again on the port it had, after it was stopped (its containers are gone), or another one beside it on a new port. */
export async function restartDockerd(t: ExecutionContext, engine: Engine, store: string, port?: number): Promise<RunningDockerd> {
	const dockerd = await startDockerd({
		caCertPath: engine.certPaths.caCert,
		serverCertPath: path.join(store, 'server.pem'),
		serverKeyPath: path.join(store, 'server-key.pem'),
		port,
	});
	t.teardown(async () => dockerd.stop());
	return dockerd;
}
