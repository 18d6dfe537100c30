import type {Command} from '../cli/command.js';
import {activeMachine, intOption, MachinistError, queryMachines} from '../engine/index.js';

const active: Command = {
	argsUsage: '',
	flags: [{name: 'timeout', short: 't', type: 'int', default: 10, description: 'Timeout in seconds, default to 10s'}],
	async run(input) {
		if (input.args.length > 0) throw new MachinistError('Error: Too many arguments given');
		const statuses = await queryMachines(input.engine, await input.engine.store.loadAll(), {timeoutMs: intOption(input.flags, 'timeout') * 1000});
		const found = activeMachine(statuses);
		if (found) {
			input.terminal.stdout.write(`${found.name}\n`);
			return;
		}

		if (statuses.some(status => status.problem === 'timeout')) throw new MachinistError('Error getting active host: timeout');
		throw new MachinistError('No active host found');
	},
};

export default active;
