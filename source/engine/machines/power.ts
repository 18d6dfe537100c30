// start, stop, restart, kill, and waiting for a machine to reach a state.
import type {Engine} from '../engine.js';
import {MachinistError} from '../errors.js';
import {pause} from '../polling.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import type {MachineState} from '../state.js';
import {driverContext, type Machine} from '../machine.js';

/** docker-machine's wait: 60 polls, 3 s apart. */
const stateWait = {attempts: 60, intervalMs: 3000};

export async function waitForState(
	machine: Machine,
	wanted: MachineState,
	options: {signal?: AbortSignal; attempts?: number; intervalMs?: number} = {},
): Promise<void> {
	const attempts = options.attempts ?? stateWait.attempts;
	for (let attempt = 1; ; attempt++) {
		const state = await machine.driver.getState(driverContext(machine, {signal: options.signal}));
		if (state === wanted) return;
		if (attempt >= attempts) {
			throw new MachinistError(
				`Machine "${machine.name}" did not become ${wanted.toLowerCase()} (still ${state.toLowerCase()} after ${attempts} checks)`,
			);
		}

		await pause(options.intervalMs ?? stateWait.intervalMs, options.signal);
	}
}

export type PowerAction = 'start' | 'stop' | 'restart' | 'kill';

const powerWords: Record<PowerAction, {doing: string; done: string; target: MachineState}> = {
	start: {doing: 'Starting', done: 'started', target: 'Running'},
	stop: {doing: 'Stopping', done: 'stopped', target: 'Stopped'},
	kill: {doing: 'Killing', done: 'killed', target: 'Stopped'},
	restart: {doing: 'Restarting', done: 'restarted', target: 'Running'},
};

export type PowerOptions = {
	progress?: ProgressSink;
	signal?: AbortSignal;
	/** start and restart: false returns once the machine runs, before its Docker answers (`--no-wait`). */
	waitForDocker?: boolean;
};

/**
 * start/stop/kill/restart on one machine with docker-machine's messages and rules: asking for
 * the state a machine is already in is an error; restart of a stopped machine starts it. A
 * start or restart ends when the machine's Docker answers, as the next thing a user runs is
 * `docker`; docker-machine waited only for the port to listen, which dockerd does before it
 * serves anything.
 */
export async function powerMachine(engine: Engine, machine: Machine, action: PowerAction, options: PowerOptions = {}): Promise<void> {
	const progress = options.progress ?? ignoreProgress;
	const words = powerWords[action];
	const context = driverContext(machine, {progress, signal: options.signal});
	await engine.store.withMachineLock(machine.name, async () => {
		// A state that cannot be read does not stop the action: the driver may still manage it,
		// or says itself why it cannot.
		const state = await machine.driver.getState(context).catch(() => 'Error' as const);
		if (action !== 'restart' && state === words.target) {
			throw new MachinistError(`Machine "${machine.name}" is already ${words.target.toLowerCase()}.`);
		}

		progress({type: 'step', message: `${words.doing} "${machine.name}"...`});
		const {portAgentAfterPower} = await import('./published-ports/lifecycle.js');
		if (action !== 'start') await portAgentAfterPower(engine, machine, false);
		await (action === 'restart' && state === 'Stopped' ? machine.driver.start(context) : machine.driver[action](context));

		await waitForState(machine, words.target, options);
		// Drivers may learn a new IP while starting; keep it.
		await engine.store.save({...machine.host, Driver: machine.driver.config});
		if (action !== 'restart') progress({type: 'step', message: `Machine "${machine.name}" was ${words.done}.`});
		// Only machines we provisioned have a daemon of ours to wait for (none's cannot be started).
		if (words.target === 'Running' && options.waitForDocker !== false && machine.driver.provisions) {
			const {waitForDocker} = await import('../access/docker-ready.js');
			await waitForDocker(engine, machine, {progress, signal: options.signal});
		}

		if (words.target === 'Running') await portAgentAfterPower(engine, machine, true);
	});
}
