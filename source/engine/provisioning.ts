import type {Engine} from './engine.js';
import {MachinistError, errorMessage} from './errors.js';
import {driverContext, type Machine} from './machine.js';
import {ignoreProgress, type ProgressSink} from './progress.js';
import {readNotes, writeNotes} from './store/notes.js';
import type {ProvisionOptions} from './provision/provision.js';

/** How long a machine may take to answer SSH: docker-machine's 60 × 3 s. */
export const sshWaitMs = 180_000;

/**
 * Provisions a machine over SSH, holding its lock. A failure is remembered with the machine
 * (listed in an error state, recoverable with `provision`), and cleared by the next success.
 */
export async function provisionMachine(engine: Engine, machine: Machine, options: ProvisionOptions & {sshWaitMs?: number} = {}): Promise<void> {
	const progress: ProgressSink = options.progress ?? ignoreProgress;
	await engine.store.withLock(machine.name, async () => {
		try {
			const details = await machine.driver.sshDetails(driverContext(machine));
			if (!details) throw new MachinistError(`Machine "${machine.name}" (driver ${machine.host.DriverName}) is not provisioned over SSH`);
			const {waitForSsh} = await import('./ssh/wait.js');
			const {sshConnectOptions} = await import('./drivers/ssh-access.js');
			const client = await waitForSsh({...sshConnectOptions(machine.name, details, machine.dir, engine.env), signal: options.signal}, {deadlineMs: options.sshWaitMs ?? sshWaitMs, signal: options.signal, progress});
			try {
				const {provisionHost} = await import('./provision/provision.js');
				await provisionHost(engine, machine, client, {...options, progress});
			} finally {
				client.close();
			}
		} catch (error) {
			await writeNotes(machine.dir, {...(await readNotes(machine.dir)), provisionError: errorMessage(error)});
			throw error;
		}

		await writeNotes(machine.dir, {...(await readNotes(machine.dir)), provisionError: undefined});
		await engine.store.save({...machine.host, Driver: machine.driver.config});
	});
}

/** regenerate-certs: a new server certificate, put in place with only dockerd restarted. */
export async function regenerateCertificates(engine: Engine, machine: Machine, options: {progress?: ProgressSink; signal?: AbortSignal} = {}): Promise<void> {
	await provisionMachine(engine, machine, {...options, newServerCertificate: true});
}
