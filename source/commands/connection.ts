import type {CommandInput} from '../cli/command.js';
import {checkConnection} from '../engine/connection.js';
import {MachinistError, errorMessage} from '../engine/errors.js';
import type {Machine} from '../engine/machine.js';
import {boolOption} from '../engine/options.js';

/**
 * The daemon URL after docker-machine's connection check, for `env` and `config`; failures get
 * the command's own prefix (scripts match both), warnings go to stderr so `eval` ignores them.
 */
export async function checkedDockerUrl(input: CommandInput, machine: Machine, errorPrefix: string): Promise<string> {
	try {
		const {url, warnings} = await checkConnection(input.engine, machine, {swarm: boolOption(input.flags, 'swarm')});
		for (const warning of warnings) input.terminal.stderr.write(`${warning}\n`);
		return url;
	} catch (error) {
		throw new MachinistError(`${errorPrefix}${errorMessage(error)}`);
	}
}
