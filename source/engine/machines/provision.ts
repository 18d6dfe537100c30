// provision, regenerate-certs and upgrade on a machine: its lock, its SSH, its remembered failure.
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import {readNotes, writeNotes} from '../store/notes.js';
import type {ProvisionOptions} from '../provision/docker-host.js';
import type {Remote} from '../provision/remote.js';
import {driverContext, type Machine} from '../machine.js';

/** How long a machine may take to answer SSH: docker-machine's 60 × 3 s. */
export const sshWaitMs = 180_000;

/** Runs `work` with an SSH connection to the machine, waiting for SSH as the driver allows. */
async function withMachineSsh<T>(
	engine: Engine,
	machine: Machine,
	options: {progress?: ProgressSink; signal?: AbortSignal; sshWaitMs?: number},
	work: (client: Remote) => Promise<T>,
): Promise<T> {
	const details = await machine.driver.sshDetails(driverContext(machine));
	if (!details) throw new MachinistError(`Machine "${machine.name}" (driver ${machine.host.DriverName}) is not provisioned over SSH`);
	const {waitForSsh} = await import('../ssh/wait.js');
	const {sshConnectOptions} = await import('../ssh/connect.js');
	const client = await waitForSsh(
		{...sshConnectOptions(machine.name, details, machine.dir, engine.env), signal: options.signal},
		{
			deadlineMs: options.sshWaitMs ?? machine.timings?.sshWaitMs ?? machine.driver.sshWaitMs ?? sshWaitMs,
			signal: options.signal,
			progress: options.progress,
		},
	);
	try {
		return await work(client);
	} finally {
		client.close();
	}
}

/**
 * Provisions a machine over SSH, holding its lock. A failure is remembered with the machine
 * (listed in an error state, recoverable with `provision`), and cleared by the next success.
 */
export async function provisionMachine(engine: Engine, machine: Machine, options: ProvisionOptions & {sshWaitMs?: number} = {}): Promise<void> {
	const progress: ProgressSink = options.progress ?? ignoreProgress;
	await engine.store.withMachineLock(
		machine.name,
		async () => {
			try {
				const {provisionHost} = await import('../provision/docker-host.js');
				await withMachineSsh(engine, machine, {...options, progress}, async client => provisionHost(engine, machine, client, {...options, progress}));
			} catch (error) {
				await writeNotes(machine.dir, {...(await readNotes(machine.dir)), provisionError: errorMessage(error)});
				throw error;
			}

			await writeNotes(machine.dir, {...(await readNotes(machine.dir)), provisionError: undefined});
			await engine.store.save({...machine.host, Driver: machine.driver.config});
		},
		{operation: 'Provisioning'},
	);
}

/** regenerate-certs: a new server certificate, put in place with only dockerd restarted. */
export async function regenerateCertificates(engine: Engine, machine: Machine, options: {progress?: ProgressSink; signal?: AbortSignal} = {}): Promise<void> {
	await provisionMachine(engine, machine, {...options, newServerCertificate: true});
}

/** upgrade: starts a stopped machine first (docker-machine's behaviour), then upgrades Docker. */
export async function upgradeMachine(engine: Engine, machine: Machine, options: {progress?: ProgressSink; signal?: AbortSignal} = {}): Promise<void> {
	const progress = options.progress ?? ignoreProgress;
	await engine.store.withMachineLock(machine.name, async () => {
		if ((await machine.driver.getState(driverContext(machine, options))) !== 'Running') {
			progress({type: 'step', message: 'Starting machine so machine can be upgraded...'});
			const {powerMachine} = await import('./power.js');
			// Docker is upgraded and restarted over SSH next: there is nothing to wait for yet.
			await powerMachine(engine, machine, 'start', {...options, waitForDocker: false});
		}

		const {upgradeDocker} = await import('../provision/docker-host.js');
		await withMachineSsh(engine, machine, options, async client => upgradeDocker(engine, machine, client, options));
	});
}
