import type {Command} from '../cli/command.js';
import {assertUsableMachineName, boolOption, errorMessage, MachineNotFoundError, MachinistError, removalWarnings, removeMachine} from '../engine/index.js';

const rm: Command = {
	operands: 'machines',
	argsUsage: 'NAME [NAME...]',
	flags: [
		{
			name: 'force',
			short: 'f',
			type: 'bool',
			description: 'Remove local configuration even if machine cannot be removed, also implies an automatic yes (`-y`)',
		},
		{name: 'y', type: 'bool', description: 'Assumes automatic yes to proceed with remove, without prompting further user confirmation'},
	],
	async run(input) {
		const {terminal} = input;
		if (input.args.length === 0) {
			input.showHelp();
			throw new MachinistError('Error: Expected to get one or more machine names as arguments');
		}

		const names = [...new Set(input.args)];
		// Before asking: a name that cannot be a machine ("..", "") is refused, never removed.
		for (const name of names) assertUsableMachineName(name);
		const force = boolOption(input.flags, 'force');
		terminal.stdout.write(`About to remove ${names.join(', ')}\n`);
		terminal.stdout.write('WARNING: This action will delete both local reference and remote instance.\n');
		for (const warning of await removalWarnings(input.engine, names)) terminal.stdout.write(`WARNING: ${warning}\n`);
		if (!force && !boolOption(input.flags, 'y')) {
			const answer = await terminal.readLine('Are you sure? (y/n): ');
			// docker-machine exited 0 here without a word, which scripts took for success.
			if (answer === undefined)
				throw new MachinistError('Error: no answer to "Are you sure?" (no input): nothing was removed; pass -y to remove without asking');
			if (!/^y/i.test(answer.trim())) return 0;
		}

		const errors: string[] = [];
		for (const name of names) {
			try {
				const {remoteError} = await removeMachine(input.engine, name, {force});
				if (remoteError) terminal.stderr.write(`Error removing host "${name}": ${remoteError}\n`);
				terminal.stdout.write(`Successfully removed ${name}\n`);
			} catch (error) {
				const message = `Error removing host "${name}": ${errorMessage(error)}`;
				// As docker-machine: -f asks that the machine be gone, and a missing one is; it is
				// said, not failed, so cleanup scripts can run `rm -f NAME` whether or not it exists.
				if (force && error instanceof MachineNotFoundError) terminal.stderr.write(`${message}\n`);
				else errors.push(message);
			}
		}

		if (errors.length > 0) throw new MachinistError(errors.join('\n'));
	},
};

export default rm;
