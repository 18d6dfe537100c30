import type {Command} from '../cli/command.js';
import {renderAppHelp, renderCommandHelp} from '../cli/help.js';
import {MachinistError} from '../engine/index.js';
import {commandTable, findCommand} from './index.js';

const help: Command = {
	operands: 'commands',
	argsUsage: '[command]',
	flags: [],
	async run(input) {
		const [name] = input.args;
		if (name === undefined) {
			input.terminal.stdout.write(renderAppHelp(input.engine.program, commandTable));
			return;
		}

		const entry = findCommand(name);
		if (!entry)
			throw new MachinistError(`${input.engine.program}: '${name}' is not a ${input.engine.program} command. See '${input.engine.program} --help'.`);
		const command = (await entry.load()).default;
		const extra = command.extraFlags ? await command.extraFlags(input.args.slice(1), input.terminal.env) : [];
		input.terminal.stdout.write(renderCommandHelp(input.engine.program, entry, command, [...command.flags, ...extra]));
	},
};

export default help;
