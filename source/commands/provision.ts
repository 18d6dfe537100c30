import type {Command} from '../cli/command.js';
import {provisionMachine} from '../engine/provisioning.js';
import {printProgress} from './progress.js';
import {forEachMachine} from './targets.js';

const provision: Command = {
	name: 'provision',
	usage: 'Re-provision existing machines',
	flags: [],
	async run(input) {
		const progress = printProgress(input.terminal);
		await forEachMachine(input, async machine => provisionMachine(input.engine, machine, {progress}));
	},
};

export default provision;
