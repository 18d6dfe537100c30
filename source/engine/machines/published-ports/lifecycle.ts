// Starting and stopping a machine's published-ports agent: create and start start it, stop,
// kill and rm end it, and any command that asks a running machine (ls, inspect, status, the
// app's poller) starts it again if it died.
import {spawn} from 'node:child_process';
import {open, rm} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Engine} from '../../engine.js';
import {privateFileMode, writeFileAtomic} from '../../store/files.js';
import type {Machine} from '../../machine.js';
import {errorMessage} from '../../errors.js';
import type {MachineState} from '../../state.js';
import {runningPid, waitForExit} from '../../pid-files.js';
import {agentFile, publishedPortsProblem, readPublishedPorts} from './agent-files.js';

/** The agent's program beside this module: a .js file in the build, the .ts source under tsx. */
function agentProgram(): string[] {
	const here = fileURLToPath(import.meta.url);
	const extension = path.extname(here);
	const entry = path.join(path.dirname(here), `agent-main${extension}`);
	return extension === '.ts' ? ['--import', 'tsx', entry] : [entry];
}

/** The agent's arguments, which also tell it from a stranger that took its pid. */
function agentArguments(engine: Engine, machine: Machine): string[] {
	return [engine.store.root, machine.name];
}

/** The pid of the machine's agent, if it runs. */
export async function portAgentPid(engine: Engine, machine: Machine): Promise<number | undefined> {
	return runningPid(agentFile(machine.dir, 'pid'), `\0${agentArguments(engine, machine).join('\0')}\0`);
}

/** Starts the agent of a running machine whose driver forwards published ports, unless it runs. */
export async function ensurePortAgent(engine: Engine, machine: Machine): Promise<void> {
	if (!machine.driver.forwarder || (await portAgentPid(engine, machine)) !== undefined) return;
	const log = await open(agentFile(machine.dir, 'log'), 'a', privateFileMode);
	try {
		const child = spawn(process.execPath, [...agentProgram(), ...agentArguments(engine, machine)], {
			detached: true,
			stdio: ['ignore', log.fd, log.fd],
			env: engine.env,
			cwd: machine.dir,
		});
		await writeFileAtomic(agentFile(machine.dir, 'pid'), `${child.pid}\n`);
		child.unref();
	} finally {
		await log.close();
	}
}

/** Ends the agent (SIGTERM, then SIGKILL after 3 s) and forgets what it reported. */
export async function stopPortAgent(engine: Engine, machine: Machine): Promise<void> {
	const pid = await portAgentPid(engine, machine);
	if (pid !== undefined) {
		process.kill(pid, 'SIGTERM');
		if (!(await waitForExit(pid, 3000))) process.kill(pid, 'SIGKILL');
	}

	await rm(agentFile(machine.dir, 'pid'), {force: true});
	await rm(agentFile(machine.dir, 'state'), {force: true});
}

/** Around a power action: the agent goes first, and comes back once the machine runs. */
export async function portAgentAfterPower(engine: Engine, machine: Machine, running: boolean): Promise<void> {
	if (!machine.driver.forwarder) return;
	await (running ? ensurePortAgent(engine, machine) : stopPortAgent(engine, machine));
}

/**
 * A running machine's answer to ls, inspect or the app: its agent is started again if it died,
 * and the published ports it could not forward join the machine's errors.
 */
export async function withPublishedPorts<Answer extends {state: MachineState; error: string}>(
	engine: Engine,
	machine: Machine,
	answer: Answer,
): Promise<Answer> {
	if (answer.state !== 'Running' || !machine.driver.forwarder) return answer;
	const problems = [answer.error];
	try {
		await ensurePortAgent(engine, machine);
		problems.push(publishedPortsProblem(await readPublishedPorts(machine.dir)));
	} catch (error) {
		problems.push(`the published-ports agent could not start: ${errorMessage(error)}`);
	}

	return {...answer, error: problems.filter(Boolean).join('; ')};
}
