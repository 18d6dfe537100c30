import type {Command} from '../cli/command.js';
import {MachinistError, errorMessage} from '../engine/errors.js';
import {loadMachines} from '../engine/machines.js';
import {provisionMachine} from '../engine/provisioning.js';
import {printProgress} from './progress.js';
import {multiTarget} from './targets.js';

const provision: Command = {
	name: 'provision',
	usage: 'Re-provision existing machines',
	flags: [],
	async run(input) {
		const machines = await loadMachines(input.engine, await multiTarget(input));
		const progress = printProgress(input.terminal);
		const results = await Promise.allSettled(machines.map(async machine => provisionMachine(input.engine, machine, {progress})));
		const errors = results.flatMap(result => (result.status === 'rejected' ? [errorMessage(result.reason)] : []));
		if (errors.length > 0) throw new MachinistError(errors.join('\n'));
	},
};

export default provision;
