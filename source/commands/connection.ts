import type {CommandInput} from '../cli/command.js';
import {errorMessage, MachinistError} from '../engine/index.js';

/**
 * Runs docker-machine's connection check for `env` and `config`: failures get the command's
 * own prefix (scripts match both), warnings go to stderr so `eval` ignores them.
 */
export async function checked<T extends {warnings: string[]}>(input: CommandInput, errorPrefix: string, work: () => Promise<T>): Promise<T> {
	let result: T;
	try {
		result = await work();
	} catch (error) {
		throw new MachinistError(`${errorPrefix}${errorMessage(error)}`);
	}

	for (const warning of result.warnings) input.terminal.stderr.write(`${warning}\n`);
	return result;
}
