// start, stop, restart, kill, and waiting for a machine to reach a state.
import type {Engine} from '../engine.js';
import {errorMessage, MachinistError} from '../errors.js';
import {pause, seconds} from '../polling.js';
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

/**
 * After a start or restart, how long Docker may take to answer, unless the machine's timings say
 * otherwise. docker-machine gave it 10 checks 3 s apart once SSH answered; here the check is the
 * daemon itself, over TLS, from the moment the driver reports the machine running, so the wait
 * covers the rest of the boot as well, and it is as long as provisioning gives dockerd's restart:
 * a local VM without acceleration takes minutes to start dockerd on a busy machine.
 */
const dockerWaitMs = 300_000;
const dockerCheckIntervalMs = 1000;

/**
 * Resolves once the machine's Docker answers over TLS: a machine that a cloud reports running
 * may still be booting, and a machine that reboots may not have gone down yet.
 */
async function waitForDocker(engine: Engine, machine: Machine, signal?: AbortSignal): Promise<void> {
	const {dockerVersion} = await import('../access/connection.js');
	const waitMs = machine.timings?.dockerWaitMs ?? dockerWaitMs;
	const deadline = Date.now() + waitMs;
	for (;;) {
		try {
			await dockerVersion(engine, machine, {signal});
			return;
		} catch (error) {
			signal?.throwIfAborted();
			if (Date.now() >= deadline) {
				throw new MachinistError(
					`Machine "${machine.name}" is running, but its Docker did not answer within ${seconds(waitMs)} (${errorMessage(error)}): look at it with "machinist ssh ${machine.name}", or run "machinist provision ${machine.name}"`,
				);
			}
		}

		await pause(dockerCheckIntervalMs, signal);
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
export async function powerMachine(
	engine: Engine,
	machine: Machine,
	action: PowerAction,
	options: {progress?: ProgressSink; signal?: AbortSignal} = {},
): Promise<void> {
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
		await (action === 'restart' && state === 'Stopped' ? machine.driver.start(context) : machine.driver[action](context));

		await waitForState(machine, words.target, options);
		// Drivers may learn a new IP while starting; keep it.
		await engine.store.save({...machine.host, Driver: machine.driver.config});
		if (action !== 'restart') progress({type: 'step', message: `Machine "${machine.name}" was ${words.done}.`});
		// docker-machine's start and restart end once Docker answers, so the next docker command works.
		if (words.target === 'Running' && machine.driver.provisions) await waitForDocker(engine, machine, options.signal);
	});
}
