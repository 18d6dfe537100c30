import type {Command} from '../cli/command.js';
import {machineUrl} from '../engine/connection.js';
import {loadMachine} from '../engine/machine.js';
import {singleTarget} from './targets.js';

const url: Command = {
	name: 'url',
	usage: 'Get the URL of a machine',
	operands: 'machine',
	flags: [],
	async run(input) {
		const machine = await loadMachine(input.engine, await singleTarget(input));
		input.terminal.stdout.write(`${await machineUrl(machine)}\n`);
	},
};

export default url;
