// A machine's containers as a face acts on them: its daemon's client, the actions, logs and exec.
import type {DockerClient} from '../docker/client.js';
import {containerAction, type ContainerAction} from '../docker/containers.js';
import type {PortReach} from '../docker/labels.js';
import {followContainerLogs, type FollowLogsOptions} from '../docker/logs.js';
import type {Engine} from '../engine.js';
import {loadMachine} from '../machine.js';
import {dockerClientFor, dockerEnvironment, machineUrl} from '../access/connection.js';
import {MachinistError} from '../errors.js';
import {findProgram} from '../programs.js';

export type ContainerEndpoint = {client: DockerClient; reach: PortReach};

/** The client for a running machine's daemon, and how its published ports are reached. */
export async function containerEndpoint(engine: Engine, name: string, signal?: AbortSignal): Promise<ContainerEndpoint> {
	const machine = await loadMachine(engine, name);
	const url = await machineUrl(machine, signal);
	const client = await dockerClientFor(engine, machine, url, 10_000);
	// qemu's user networking brings a VM's ports to this computer's loopback.
	return {client, reach: {dockerHost: new URL(url).hostname.replace(/^\[(.*)]$/, '$1'), viaLoopback: machine.host.DriverName === 'qemu'}};
}

export async function actOnContainer(
	engine: Engine,
	machine: string,
	id: string,
	action: ContainerAction,
	options: {force?: boolean; signal?: AbortSignal} = {},
): Promise<void> {
	const {client} = await containerEndpoint(engine, machine, options.signal);
	await containerAction(client, id, action, options);
}

export async function followLogs(engine: Engine, machine: string, id: string, options: FollowLogsOptions): Promise<void> {
	const {client} = await containerEndpoint(engine, machine, options.signal);
	await followContainerLogs(client, id, options);
}

/**
 * The docker CLI pointed at the machine (its checked environment as flags, so nothing else in
 * this process's environment changes) running a shell in the container: bash where the image
 * has it, sh otherwise.
 */
export async function containerShellCommand(engine: Engine, name: string, id: string): Promise<{binary: string; args: string[]}> {
	const binary = findProgram('docker', engine.env);
	if (!binary) throw new MachinistError(`the docker CLI is not on PATH: install it to open a shell in a container of ${name}`);
	const {variables} = await dockerEnvironment(engine, await loadMachine(engine, name));
	const value = (key: string): string => variables.find(([variable]) => variable === key)?.[1] ?? '';
	const certs = value('DOCKER_CERT_PATH');
	const connection = [
		`--host=${value('DOCKER_HOST')}`,
		'--tlsverify',
		`--tlscacert=${certs}/ca.pem`,
		`--tlscert=${certs}/cert.pem`,
		`--tlskey=${certs}/key.pem`,
	];
	const shell = 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi';
	return {binary, args: [...connection, 'exec', '-it', id, 'sh', '-c', shell]};
}
