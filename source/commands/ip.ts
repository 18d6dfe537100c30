import type {Command} from '../cli/command.js';
import {errorMessage, loadMachines, machineIp, MachinistError} from '../engine/index.js';
import {multiTarget} from './targets.js';

const ip: Command = {
	operands: 'machines',
	flags: [],
	async run(input) {
		const machines = await loadMachines(input.engine, await multiTarget(input));
		const answers = await Promise.allSettled(machines.map(async machine => machineIp(machine)));
		const errors: string[] = [];
		for (const answer of answers) {
			if (answer.status === 'fulfilled') input.terminal.stdout.write(`${answer.value}\n`);
			else errors.push(`Error getting IP address: ${errorMessage(answer.reason)}`);
		}

		if (errors.length > 0) throw new MachinistError(errors.join('\n'));
	},
};

export default ip;
