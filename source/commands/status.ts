import type {Command} from '../cli/command.js';
import {errorMessage, loadMachine, machineState, MachinistError, stateLabel} from '../engine/index.js';
import {singleTarget} from './targets.js';

const status: Command = {
	operands: 'machine',
	flags: [],
	async run(input) {
		const machine = await loadMachine(input.engine, await singleTarget(input));
		try {
			const state = await machineState(machine);
			input.terminal.stdout.write(`${stateLabel(state)}\n`);
		} catch (error) {
			throw new MachinistError(`error getting state for host ${machine.name}: ${errorMessage(error)}`);
		}
	},
};

export default status;
