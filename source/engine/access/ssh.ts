// A person's SSH into a machine: the system ssh/scp/rsync arguments with pinned host keys.
import type {Engine} from '../engine.js';
import {MachinistError} from '../errors.js';
import {driverContext, type Machine} from '../machine.js';
import type {SshDetails} from '../driver-context.js';
import type {SshClient} from '../ssh/client.js';
import {knownHostsFileOf, sshConnectOptions} from '../ssh/connect.js';
import {sshOptionPath} from '../ssh/hostkeys.js';

/** docker-machine's options for the system ssh, minus its "trust any host key". */
const baseOptions = [
	'-F',
	'/dev/null',
	'-o',
	'ConnectionAttempts=3',
	'-o',
	'ConnectTimeout=10',
	'-o',
	'ControlMaster=no',
	'-o',
	'ControlPath=none',
	'-o',
	'LogLevel=quiet',
	'-o',
	'PasswordAuthentication=no',
	'-o',
	'ServerAliveInterval=60',
];

export type SshTarget = {machine: Machine; details: SshDetails; knownHostsFile: string};

/**
 * A running machine's SSH details with its host key checked: our own client connects first,
 * pinning the key of a machine never connected to (trust on first use) and refusing a changed
 * one with both fingerprints, which the system `ssh` (quiet, as docker-machine ran it) would
 * only report as exit code 255. The system `ssh` then runs with strict checking against the
 * same known_hosts.
 */
export async function sshTarget(engine: Engine, machine: Machine, signal?: AbortSignal): Promise<SshTarget> {
	const context = driverContext(machine, {signal});
	const details = await machine.driver.sshDetails(context);
	if (!details) throw new MachinistError(`Error: machine "${machine.name}" (driver ${machine.host.DriverName}) has no SSH access`);
	if ((await machine.driver.getState(context)) !== 'Running') {
		throw new MachinistError(`Error: Cannot run SSH command: Host "${machine.name}" is not running`);
	}

	const ssh = await import('../ssh/index.js');
	if (details.keyPath) await ssh.checkPrivateKeyFile(details.keyPath);
	const knownHostsFile = knownHostsFileOf(machine.dir);
	const client = await ssh.SshClient.connect({...sshConnectOptions(machine.name, details, machine.dir, engine.env), signal});
	client.close();

	return {machine, details, knownHostsFile};
}

/** The system ssh's arguments for a machine, then the remote command's words. */
export async function sshArguments(target: SshTarget, command: readonly string[], options: {tty?: boolean} = {}): Promise<string[]> {
	const {sshHostKeyOptions} = await import('../ssh/hostkeys.js');
	const {details} = target;
	return [
		...baseOptions,
		...sshHostKeyOptions(target.knownHostsFile),
		...(options.tty ? ['-t'] : []),
		`${details.user}@${details.host}`,
		// As an option rather than -i: ssh expands `%` in it, and the option's escaping covers that.
		...(details.keyPath ? ['-o', 'IdentitiesOnly=yes', '-o', `IdentityFile=${sshOptionPath(details.keyPath)}`] : []),
		'-p',
		String(details.port),
		...command,
	];
}

/** Options shared by scp and rsync's ssh for several machines: every machine's pins count. */
export async function copyOptions(targets: readonly SshTarget[]): Promise<string[]> {
	const {sshHostKeyOptions} = await import('../ssh/hostkeys.js');
	// ssh takes several known_hosts files in one option, separated by spaces, each quoted.
	const [first, ...rest] = targets.map(target => target.knownHostsFile);
	const pins =
		first === undefined
			? []
			: sshHostKeyOptions(first).map(option =>
					option.startsWith('UserKnownHostsFile=') ? [option, ...rest.map(file => sshOptionPath(file, true))].join(' ') : option,
				);
	const keys = targets.flatMap(target => (target.details.keyPath ? ['-o', `IdentityFile=${sshOptionPath(target.details.keyPath)}`] : []));
	const identitiesOnly = targets.length > 0 && targets.every(target => target.details.keyPath) ? ['-o', 'IdentitiesOnly=yes'] : [];
	return [...baseOptions.slice(2), ...pins, ...identitiesOnly, ...keys];
}

/** Drops a machine's pinned host key, for a host that was rebuilt on purpose. */
export async function resetHostKey(machine: Machine): Promise<number> {
	const details = await machine.driver.sshDetails(driverContext(machine));
	if (!details) throw new MachinistError(`Error: machine "${machine.name}" has no SSH access`);
	const {resetPin} = await import('../ssh/hostkeys.js');
	return resetPin(knownHostsFileOf(machine.dir), details.host, details.port);
}

/** Our own SSH client to a checked machine, for systems without OpenSSH's `ssh`. */
export async function openSshClient(target: SshTarget, env: NodeJS.ProcessEnv): Promise<SshClient> {
	const {SshClient: Client} = await import('../ssh/index.js');
	return Client.connect(sshConnectOptions(target.machine.name, target.details, target.machine.dir, env));
}
