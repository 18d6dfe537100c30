import type {Command, CommandInput} from '../cli/command.js';
import {errorMessage, loadMachines, type Machine, MachinistError, type OptionSpec, type ProgressSink} from '../engine/index.js';
import {printProgress} from './progress.js';

/**
 * docker-machine's rule for commands about one machine: no name means the machine called
 * `default`, if there is one.
 */
export async function singleTarget(input: CommandInput): Promise<string> {
	if (input.args.length > 1) {
		throw new MachinistError('Error: Expected one machine name as an argument');
	}

	return input.args[0] ?? defaultTarget(input);
}

/** Commands about several machines (`ip`, `start`, …): the names given, or `default`. */
export async function multiTarget(input: CommandInput): Promise<string[]> {
	if (input.args.length > 0) return [...new Set(input.args)];
	return [await defaultTarget(input)];
}

async function defaultTarget(input: CommandInput): Promise<string> {
	if (await input.engine.store.exists('default')) return 'default';
	throw new MachinistError('Error: No machine name(s) specified and no "default" machine exists');
}

/**
 * Runs `work` on every named machine at once, as docker-machine does, after loading them all;
 * every failure is reported, one per line.
 */
export async function forEachMachine(input: CommandInput, work: (machine: Machine) => Promise<void>): Promise<void> {
	const machines = await loadMachines(input.engine, await multiTarget(input));
	const results = await Promise.allSettled(machines.map(async machine => work(machine)));
	const errors = results.flatMap(result => (result.status === 'rejected' ? [errorMessage(result.reason)] : []));
	if (errors.length > 0) throw new MachinistError(errors.join('\n'));
}

/**
 * A command that does one thing to each named machine (start, provision, upgrade, …), printing
 * progress as docker-machine does and an optional note once all are done.
 */
export function machineActionCommand(
	action: (input: CommandInput, machine: Machine, progress: ProgressSink) => Promise<void>,
	options: {note?: (program: string) => string; flags?: readonly OptionSpec[]} = {},
): Command {
	const {note} = options;
	return {
		operands: 'machines',
		flags: options.flags ?? [],
		async run(input) {
			const progress = printProgress(input.terminal);
			await forEachMachine(input, async machine => action(input, machine, progress));
			if (note) input.terminal.stdout.write(`${note(input.engine.program)}\n`);
		},
	};
}
