import type {Command} from '../cli/command.js';
import {boolOption, copyOptions, findProgram, sshfsOption, loadMachine, MachinistError, runProgram, sshTarget} from '../engine/index.js';
import {parseLocation} from './scp.js';

const mount: Command = {
	operands: 'machine-paths',
	argsUsage: '[[user@]machine:][path] [mountpoint]',
	flags: [{name: 'unmount', short: 'u', type: 'bool', description: 'Unmount instead of mount'}],
	async run(input) {
		if (input.args.length === 0 || input.args.length > 2) {
			input.showHelp();
			throw new MachinistError('Error: Improper number of arguments.');
		}

		const [source = '', mountpoint] = input.args;
		// A bare path means the `default` machine, as in docker-machine.
		const location = source.includes(':') ? parseLocation(source) : {machine: 'default', path: source, user: undefined};
		const target = mountpoint ?? location.path;
		if (boolOption(input.flags, 'unmount')) {
			const fusermount = findProgram('fusermount', input.terminal.env) ?? findProgram('fusermount3', input.terminal.env);
			if (!fusermount) throw new MachinistError('You must have a copy of the fusermount binary locally to use the unmount option');
			return runProgram(fusermount, ['-u', target]);
		}

		const sshfs = findProgram('sshfs', input.terminal.env);
		if (!sshfs) throw new MachinistError('You must have a copy of the sshfs binary locally to use the mount feature');
		if (!location.machine) throw new MachinistError(`Error: "${source}" names no machine: use [user@]machine:path`);
		const ssh = await sshTarget(input.engine, await loadMachine(input.engine, location.machine));
		const options = await copyOptions([ssh]);
		const sshfsOptions = options.filter(option => option !== '-o').flatMap(option => ['-o', sshfsOption(option)]);
		return runProgram(sshfs, [
			...sshfsOptions,
			'-o',
			`Port=${ssh.details.port}`,
			`${location.user ?? ssh.details.user}@${ssh.details.host}:${location.path}`,
			target,
		]);
	},
};

export default mount;
