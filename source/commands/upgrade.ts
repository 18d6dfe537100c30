import type {Command} from '../cli/command.js';
import {upgradeMachine} from '../engine/provisioning.js';
import {printProgress} from './progress.js';
import {forEachMachine} from './targets.js';

const upgrade: Command = {
	name: 'upgrade',
	usage: 'Upgrade a machine to the latest version of Docker',
	flags: [],
	async run(input) {
		const progress = printProgress(input.terminal);
		await forEachMachine(input, async machine => upgradeMachine(input.engine, machine, {progress}));
	},
};

export default upgrade;
