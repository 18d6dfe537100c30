import type {Engine} from './engine.js';
import {MachineNotFoundError, MachinistError, errorMessage} from './errors.js';
import {driverContext, loadMachine, type Machine} from './machine.js';
import {ignoreProgress, type ProgressSink} from './progress.js';
import type {MachineState} from './state.js';

/**
 * Loads several machines before acting on any, as docker-machine does: if one cannot be
 * loaded, nothing runs and every load error is reported.
 */
export async function loadMachines(engine: Engine, names: readonly string[]): Promise<Machine[]> {
	const results = await Promise.allSettled(names.map(async name => loadMachine(engine, name)));
	const failures = results.flatMap(result => (result.status === 'rejected' ? [result.reason as unknown] : []));
	if (failures.length > 0) {
		const allMissing = failures.every(failure => failure instanceof MachineNotFoundError);
		throw new MachinistError(failures.map(failure => errorMessage(failure)).join('\n'), {exitCode: allMissing ? 4 : 1});
	}

	return results.map(result => (result as PromiseFulfilledResult<Machine>).value);
}

/** docker-machine's wait: 60 polls, 3 s apart. */
const stateWait = {attempts: 60, intervalMs: 3000};

export async function waitForState(machine: Machine, wanted: MachineState, options: {signal?: AbortSignal; attempts?: number; intervalMs?: number} = {}): Promise<void> {
	const attempts = options.attempts ?? stateWait.attempts;
	for (let attempt = 1; ; attempt++) {
		const state = await machine.driver.getState(driverContext(machine, {signal: options.signal}));
		if (state === wanted) return;
		if (attempt >= attempts) {
			throw new MachinistError(`Machine "${machine.name}" did not become ${wanted.toLowerCase()} (still ${state.toLowerCase()} after ${attempts} checks)`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, options.intervalMs ?? stateWait.intervalMs);
		});
		options.signal?.throwIfAborted();
	}
}

export type PowerAction = 'start' | 'stop' | 'restart' | 'kill';

const powerWords: Record<PowerAction, {doing: string; done: string; target: MachineState}> = {
	start: {doing: 'Starting', done: 'started', target: 'Running'},
	stop: {doing: 'Stopping', done: 'stopped', target: 'Stopped'},
	kill: {doing: 'Killing', done: 'killed', target: 'Stopped'},
	restart: {doing: 'Restarting', done: 'restarted', target: 'Running'},
};

/**
 * start/stop/kill/restart on one machine with docker-machine's messages and rules: asking for
 * the state a machine is already in is an error; restart of a stopped machine starts it.
 */
export async function powerMachine(engine: Engine, machine: Machine, action: PowerAction, options: {progress?: ProgressSink; signal?: AbortSignal} = {}): Promise<void> {
	const progress = options.progress ?? ignoreProgress;
	const words = powerWords[action];
	const context = driverContext(machine, {progress, signal: options.signal});
	await engine.store.withLock(machine.name, async () => {
		// A state that cannot be read does not stop the action: the driver may still manage it,
		// or says itself why it cannot.
		const state = await machine.driver.getState(context).catch(() => 'Error' as const);
		if (action !== 'restart' && state === words.target) {
			throw new MachinistError(`Machine "${machine.name}" is already ${words.target.toLowerCase()}.`);
		}

		progress({type: 'step', message: `${words.doing} "${machine.name}"...`});
		if (action === 'restart' && state === 'Stopped') {
			await machine.driver.start(context);
		} else {
			await machine.driver[action](context);
		}

		await waitForState(machine, words.target, options);
		// Drivers may learn a new IP while starting; keep it.
		await engine.store.save({...machine.host, Driver: machine.driver.config});
		if (action !== 'restart') progress({type: 'step', message: `Machine "${machine.name}" was ${words.done}.`});
	});
}

/**
 * Removes the remote host (through its driver) and then the local record. With `force` the
 * local record goes even when the remote removal fails or the record is unreadable; the
 * remote error is then returned so it can be shown.
 */
export async function removeMachine(engine: Engine, name: string, options: {force?: boolean; progress?: ProgressSink; signal?: AbortSignal} = {}): Promise<{remoteError?: string}> {
	return engine.store.withLock(name, async () => {
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
			await machine.driver.remove(driverContext(machine, {progress: options.progress, signal: options.signal}));
		} catch (error) {
			if (!options.force) throw error;
			remoteError = errorMessage(error);
		}

		await engine.store.remove(name);
		return remoteError === undefined ? {} : {remoteError};
	}, {operation: 'Removing'});
}
