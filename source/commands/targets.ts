import type {CommandInput} from '../cli/command.js';
import {MachinistError} from '../engine/errors.js';

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
