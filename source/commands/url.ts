import type {Command} from '../cli/command.js';
import {loadMachine, machineUrl} from '../engine/index.js';
import {singleTarget} from './targets.js';

const url: Command = {
	operands: 'machine',
	flags: [],
	async run(input) {
		const machine = await loadMachine(input.engine, await singleTarget(input));
		input.terminal.stdout.write(`${await machineUrl(machine)}\n`);
	},
};

export default url;
