// The published-ports agent: one small process per running qemu machine, as Lima's host agent
// and Podman's gvproxy are. It follows the daemon's event stream over the machine's TLS
// connection and, at each container start, stop or removal (and on every (re)connection, and
// every few seconds to retry ports that were taken), makes the VM's forwards match the running
// containers' published ports.
import {appendFile} from 'node:fs/promises';
import type {DockerClient} from '../../docker/client.js';
import {openStream} from '../../docker/stream.js';
import type {Engine} from '../../engine.js';
import {asError, errorMessage, MachineNotFoundError, MachinistError} from '../../errors.js';
import {pause} from '../../polling.js';
import {writeFileAtomic} from '../../store/files.js';
import {driverContext, loadMachine} from '../../machine.js';
import {agentFile, type PublishedPortsState} from './agent-files.js';
import {forwardKey, planForwards, type ContainerSummary, type SkippedForward} from './plan.js';

/** Retries ports that were taken, and catches anything the stream missed. */
const sweepMs = 5000;
const maxBackoffMs = 5000;
/** Longer than the daemon takes to stop listing a container that died. */
const endedMemoryMs = 30_000;
const eventFilter = encodeURIComponent(JSON.stringify({type: ['container'], event: ['start', 'die', 'destroy']}));

type AgentOptions = {signal: AbortSignal; sweepMs?: number};

/** Why the agent ends: the machine is gone or stopped, so there is nothing to forward to. */
class MachineGone extends Error {}

export async function runPortAgent(engine: Engine, name: string, options: AgentOptions): Promise<string> {
	const {signal} = options;
	const machineDir = engine.store.machineDir(name);
	const log = async (line: string) => appendFile(agentFile(machineDir, 'log'), `${new Date().toISOString()} ${line}\n`, {mode: 0o600});
	let client: DockerClient | undefined;
	let skipped: SkippedForward[] = [];

	const load = async () => {
		const machine = await loadMachine(engine, name).catch((error: unknown) => {
			throw error instanceof MachineNotFoundError ? new MachineGone(`machine ${name} was removed`) : error;
		});
		const context = driverContext(machine, {signal});
		const forwarder = machine.driver.forwarder?.(context);
		if (!forwarder) throw new MachineGone(`machine ${name} has no forwards to keep`);
		return {machine, context, forwarder};
	};

	const save = async (state: Omit<PublishedPortsState, 'updated'>) =>
		writeFileAtomic(agentFile(machineDir, 'state'), `${JSON.stringify({updated: new Date().toISOString(), ...state}, null, 1)}\n`);

	const reconcile = async () => {
		const {forwarder} = await load();
		forgetEnded();
		const listed = (await client!.call('GET', '/containers/json', {signal})) as ContainerSummary[];
		const containers = listed.filter(container => !ended.has(container.Id));
		const plan = planForwards(containers, await forwarder.current(), forwarder.reserved());
		for (const forward of plan.remove) {
			await forwarder.remove(forward);
			await log(`removed ${forwardKey(forward)}`);
		}

		const notAdded: SkippedForward[] = [];
		for (const forward of plan.add) {
			const reason = await forwarder.add(forward);
			if (reason) notAdded.push({...forward, reason});
			else await log(`added ${forwardKey(forward)} (${forward.container})`);
		}

		const next = [...plan.skip, ...notAdded];
		const skippedKeys = new Set(next.map(forward => forwardKey(forward)));
		if (next.map(forward => forwardKey(forward)).join(',') !== skipped.map(forward => forwardKey(forward)).join(',')) {
			for (const forward of next) await log(`skipped ${forwardKey(forward)} (${forward.container}): ${forward.reason}`);
		}

		skipped = next;
		await save({forwards: plan.wanted.filter(forward => !skippedKeys.has(forwardKey(forward))), skipped});
	};

	// Passes run one at a time; events during a pass ask for one more pass after it.
	let running: Promise<void> | undefined;
	let again = false;
	let failure: unknown;
	const requestPass = (): void => {
		if (running) {
			again = true;
			return;
		}

		running = (async () => {
			do {
				again = false;
				await reconcile();
			} while (again && !signal.aborted);
		})()
			.catch((error: unknown) => {
				failure = error;
				streamAbort?.abort();
			})
			.finally(() => {
				running = undefined;
			});
	};

	/**
	 * Containers whose `die` or `destroy` came, with when: the daemon sends `die` before
	 * /containers/json stops listing the container, so a pass right after it leaves them out.
	 */
	const ended = new Map<string, number>();
	/** One event line: the pass reads the containers, so any event asks for one. */
	const heard = (line: string) => {
		let event: {Action?: string; Actor?: {ID?: string}};
		try {
			event = JSON.parse(line) as typeof event;
		} catch {
			return;
		}

		const id = event.Actor?.ID ?? '';
		if (event.Action === 'start') ended.delete(id);
		else ended.set(id, Date.now());
		requestPass();
	};

	const forgetEnded = (): void => {
		for (const [id, at] of ended) if (Date.now() - at > endedMemoryMs) ended.delete(id);
	};

	let streamAbort: AbortController | undefined;
	/** One connection: a first pass, then a pass per event until the stream or a pass fails. */
	const follow = async () => {
		const {machine, context} = await load();
		const state = await machine.driver.getState(context);
		if (state === 'Stopped') throw new MachineGone(`machine ${name} stopped`);
		if (state !== 'Running') throw new MachinistError(`machine ${name} is ${state.toLowerCase()}`);
		const {dockerClientFor} = await import('../../access/connection.js');
		const url = await machine.driver.getURL(context);
		client = await dockerClientFor(engine, machine, url);
		streamAbort = new AbortController();
		const events = await openStream(client, `/events?filters=${eventFilter}`, AbortSignal.any([signal, streamAbort.signal]));
		// What the last stream said ended may have started again while no stream was open (a
		// --restart always container after the VM rebooted from inside): its start was never heard,
		// so the list from now on is the truth.
		ended.clear();
		await log(`following the events of ${client.url}`);
		failure = undefined;
		requestPass();
		await running;
		if (failure) throw asError(failure);
		backoffMs = 500;
		events.setEncoding('utf8');
		let buffer = '';
		for await (const chunk of events as AsyncIterable<string>) {
			const lines = (buffer + chunk).split('\n');
			buffer = lines.pop()!;
			for (const line of lines) heard(line);
		}

		if (failure) throw asError(failure);
		await log('the event stream ended');
	};

	const sweep = setInterval(requestPass, options.sweepMs ?? sweepMs);
	let backoffMs = 500;
	try {
		while (!signal.aborted) {
			try {
				await follow();
			} catch (error) {
				if (error instanceof MachineGone) throw error;
				if (signal.aborted) break;
				const cause = failure ?? error;
				failure = undefined;
				await log(`${errorMessage(cause)}; trying again in ${backoffMs} ms`);
				await save({forwards: [], skipped, problem: errorMessage(cause)}).catch(() => undefined);
				// Ends the agent once the machine was removed or its VM stopped.
				const {machine, context} = await load();
				if ((await machine.driver.getState(context).catch(() => 'Error')) === 'Stopped') throw new MachineGone(`machine ${name} stopped`);
				await pause(backoffMs, signal).catch(() => undefined);
				backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
			}
		}

		return 'stopped';
	} catch (error) {
		if (error instanceof MachineGone) {
			await log(`${error.message}: the agent ends`).catch(() => undefined);
			return error.message;
		}

		throw error;
	} finally {
		clearInterval(sweep);
		streamAbort?.abort();
		await running;
	}
}
