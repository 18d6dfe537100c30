// Connecting to a machine over SSH: its key (or the agent), its host key pinned in its directory.
import path from 'node:path';
import {MachinistError} from '../errors.js';
import type {DriverContext, SshDetails} from '../driver-context.js';

/** The machine's pinned host keys, beside its config (and usable by the `ssh` binary). */
export function knownHostsFileOf(machineDir: string): string {
	return path.join(machineDir, 'known_hosts');
}

/**
 * Opens an SSH connection to a machine with its key (or, without one, the user's agent and
 * default keys, as docker-machine's generic driver did), its host key pinned in the machine dir.
 */
export async function connectToMachine(name: string, details: SshDetails | undefined, context: DriverContext & {readyTimeoutMs?: number}) {
	if (!details) throw new MachinistError(`Machine "${name}" has no SSH access (its driver does not use SSH)`);
	const {SshClient} = await import('./index.js');
	return SshClient.connect({
		...sshConnectOptions(name, details, context.machineDir, context.env),
		signal: context.signal,
		readyTimeoutMs: context.readyTimeoutMs,
	});
}

/**
 * Connection options for a machine; the key falls back to the agent, then ~/.ssh defaults
 * (SSH_AUTH_SOCK and HOME of the engine's environment, which the face passes in).
 */
export function sshConnectOptions(name: string, details: SshDetails, machineDir: string, env: NodeJS.ProcessEnv) {
	const agent = env.SSH_AUTH_SOCK;
	const home = env.HOME ?? '';
	const keyPath = details.keyPath || (agent ? undefined : path.join(home, '.ssh', 'id_rsa'));
	return {
		host: details.host,
		port: details.port,
		user: details.user,
		...(keyPath ? {privateKeyPath: keyPath} : {}),
		...(agent ? {agent} : {}),
		knownHostsFile: knownHostsFileOf(machineDir),
		hostLabel: name,
	};
}
