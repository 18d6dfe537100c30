import type {Command} from '../cli/command.js';
import {dockerVersion, loadMachine, MachinistError} from '../engine/index.js';
import {versionLine} from '../version.js';

const version: Command = {
	operands: 'machine',
	argsUsage: '[machine]',
	flags: [],
	async run(input) {
		if (input.args.length > 1) throw new MachinistError('Error: Expected one machine name as an argument');
		const [name] = input.args;
		if (name === undefined) {
			input.terminal.stdout.write(`${versionLine(input.engine.program)}\n`);
			return;
		}

		const machine = await loadMachine(input.engine, name);
		const answer = await dockerVersion(input.engine, machine);
		input.terminal.stdout.write(`${answer.Version}\n`);
	},
};

export default version;
