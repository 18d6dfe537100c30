import {dockerEnvironment, type Engine, findProgram, loadMachine, MachinistError, sshArguments, sshTarget, writeDockerContext} from '../engine/index.js';
import {rendererFor, type ShellName} from '../format/env.js';

/**
 * The TUI's quick actions on one machine, as the matching commands do them (`env`, `ssh`), minus
 * printing. Failures are MachinistErrors whose message the app shows as it is.
 */

/** The lines `eval $(machinist env NAME)` would run, for one shell. */
export async function envExports(engine: Engine, name: string, shell: ShellName): Promise<string> {
	const {variables} = await dockerEnvironment(engine, await loadMachine(engine, name));
	const renderer = rendererFor(shell);
	return variables.map(([variable, value]) => renderer.set(variable, value)).join('');
}

export async function dockerContext(engine: Engine, name: string): Promise<string> {
	return (await writeDockerContext(engine, await loadMachine(engine, name))).name;
}

/** The system ssh and its arguments for an interactive session, after the host key check. */
export async function sshCommand(engine: Engine, name: string): Promise<{binary: string; args: string[]}> {
	const target = await sshTarget(engine, await loadMachine(engine, name));
	const binary = findProgram('ssh', engine.env);
	if (!binary) throw new MachinistError(`OpenSSH's ssh is not on PATH: install it, or run "${engine.program} ssh ${name}", which does without`);
	return {binary, args: await sshArguments(target, [], {tty: true})};
}
