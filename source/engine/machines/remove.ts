// rm: the remote host through its driver, then the local record.
import type {Engine} from '../engine.js';
import {MachineNotFoundError, MachinistError, errorMessage} from '../errors.js';
import type {ProgressSink} from '../progress.js';
import {driverContext, loadMachine, type Machine} from '../machine.js';

/**
 * Removes the remote host (through its driver) and then the local record. With `force` the
 * local record goes even when the remote removal fails or the record is unreadable; the
 * remote error is then returned so it can be shown.
 */
export async function removeMachine(
	engine: Engine,
	name: string,
	options: {force?: boolean; progress?: ProgressSink; signal?: AbortSignal} = {},
): Promise<{remoteError?: string}> {
	return engine.store.withLock(
		name,
		async () => {
			let machine: Machine;
			try {
				machine = await loadMachine(engine, name);
			} catch (error) {
				if (options.force && !(error instanceof MachineNotFoundError)) {
					await engine.store.remove(name);
					return {remoteError: errorMessage(error)};
				}

				throw error;
			}

			let remoteError: string | undefined;
			try {
				const {leaveBeforeRemoval} = await import('../swarm/cluster.js');
				await leaveBeforeRemoval(engine, name, options);
			} catch (error) {
				if (!options.force) throw new MachinistError(`${errorMessage(error)}; nothing was removed (pass -f to remove it all the same)`);
				remoteError = errorMessage(error);
			}

			const {portAgentAfterPower} = await import('./published-ports/lifecycle.js');
			await portAgentAfterPower(engine, machine, false);
			try {
				await machine.driver.remove(driverContext(machine, {progress: options.progress, signal: options.signal}));
			} catch (error) {
				if (!options.force) throw error;
				remoteError = [remoteError, errorMessage(error)].filter(Boolean).join('; ');
			}

			await engine.store.remove(name);
			return remoteError === undefined ? {} : {remoteError};
		},
		{operation: 'Removing'},
	);
}
