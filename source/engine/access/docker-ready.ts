// Waiting until a machine's Docker daemon answers: where start, restart and create end.
import {DockerConnectionError} from '../docker/client.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {driverContext, type Machine} from '../machine.js';
import {pollUntil, seconds} from '../polling.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import {checkConnection, dockerClientFor} from './connection.js';

/**
 * How long a running machine's Docker may take to answer. A VM under TCG starts dockerd some
 * 25 s after sshd on an idle machine, minutes on a busy one; a cloud host, seconds.
 */
export const dockerWaitMs = 300_000;
/** One `/_ping`, connecting included: a daemon that is up answers in milliseconds. */
const pingTimeoutMs = 10_000;
/** Between two pings: refused connections come back at once, so this is the wait's resolution. */
const intervalMs = 250;
/** Between two asks of the driver for the state and URL: for a cloud driver each is an API call, under its rate limit. */
const stateEveryMs = 3000;

/** Go's wording of a refused certificate: waiting does not change a certificate. */
const certificateReason = /^(x509:|remote error: tls:|tls:)/;
/**
 * The one refusal that still proves the daemon is the machine's own: the address is checked
 * last, after the certificate was found signed by the machine's CA. A VM that came back on
 * another address (VirtualBox's DHCP) is that; docker-machine's start ended there too, and its
 * users run regenerate-certs next.
 */
const addressReason = /^x509: certificate is (valid for .*, not |not valid for any names)/;

export type DockerWaitOptions = {progress?: ProgressSink; signal?: AbortSignal; timeoutMs?: number};

/**
 * Returns once the machine's Docker daemon answers `GET /_ping` over TLS with the machine's
 * certificates, which is when `docker` works with `env`'s variables. Says what it waits for only
 * when the first try fails (a daemon that is up costs one request and no line), then every 15 s
 * with the last error. A certificate refused either way ends the wait at once, with `env`'s
 * message; running out of time names the last error and what to do.
 */
export async function waitForDocker(engine: Engine, machine: Machine, options: DockerWaitOptions = {}): Promise<void> {
	const progress = options.progress ?? ignoreProgress;
	const context = driverContext(machine, {signal: options.signal});
	const timeoutMs = options.timeoutMs ?? machine.timings?.dockerWaitMs ?? dockerWaitMs;
	let url = '';
	let lastError = '';
	let announced = false;
	let addressProblem = '';
	let stateAskedAt = 0;
	/** Why the machine cannot answer, as the driver last said, or undefined while it runs. */
	let stateProblem: string | undefined;
	/** Undefined once Docker answered, else why not; throws what waiting cannot mend. */
	const tryOnce = async (): Promise<string | undefined> => {
		if (Date.now() - stateAskedAt >= stateEveryMs) {
			stateAskedAt = Date.now();
			try {
				const state = await machine.driver.getState(context);
				stateProblem = state === 'Running' ? undefined : `the machine is ${state.toLowerCase()}`;
				if (!stateProblem) url = await machine.driver.getURL(context);
			} catch (error) {
				options.signal?.throwIfAborted();
				stateProblem = errorMessage(error);
			}
		}

		if (stateProblem !== undefined) return stateProblem;
		const client = await dockerClientFor(engine, machine, url, pingTimeoutMs);
		try {
			await client.ping(options.signal);
			return undefined;
		} catch (error) {
			options.signal?.throwIfAborted();
			if (!(error instanceof DockerConnectionError)) return errorMessage(error);
			if (addressReason.test(error.reason)) {
				addressProblem = error.reason;
				return undefined;
			}

			// `env`'s check says what is wrong with the certificates, in docker-machine's words.
			if (certificateReason.test(error.reason)) await checkConnection(engine, machine, {signal: options.signal});
			return error.reason;
		}
	};

	const attempt = async (): Promise<true | undefined> => {
		const problem = await tryOnce();
		if (problem === undefined) return true;
		lastError = problem;
		if (!announced) {
			announced = true;
			progress({type: 'step', message: `Waiting for Docker to answer${url ? ` at ${url}` : ''}...`});
		}

		return undefined;
	};

	await pollUntil(attempt, {
		intervalMs,
		timeoutMs,
		signal: options.signal,
		stillWaiting(waited) {
			progress({type: 'log', machine: machine.name, message: `Still waiting for Docker (${seconds(waited)}): ${lastError}`});
		},
		timedOut: waited =>
			new MachinistError(
				`The Docker of machine "${machine.name}" did not answer${url ? ` at ${url}` : ''} within ${seconds(waited)} (last error: ${lastError}): ${nextStep(engine, machine)}`,
			),
	});
	if (addressProblem) {
		progress({
			type: 'warning',
			message: `The Docker of machine "${machine.name}" answers at ${url}, but its certificate was made for another address (${addressProblem}): run "${engine.program} regenerate-certs ${machine.name}" before using it`,
		});
	}
}

/** What to do when Docker never answered: set it up again, or see why the VM did not get there. */
function nextStep(engine: Engine, machine: Machine): string {
	const provision = `run "${engine.program} provision ${machine.name}" to set Docker up again`;
	const log = machine.driver.consoleLog?.(driverContext(machine));
	return log ? `${provision}, or see the VM's serial console log ${log}` : provision;
}
