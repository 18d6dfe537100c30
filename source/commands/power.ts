import {boolOption, type OptionSpec, type PowerAction, powerMachine} from '../engine/index.js';
import {machineActionCommand} from './targets.js';

/** start, restart and create: return once the machine runs, without waiting for its Docker. */
export const noWaitFlag: OptionSpec = {
	name: 'no-wait',
	type: 'bool',
	description: 'Return once the machine is running, without waiting for its Docker daemon to answer',
};

const newAddressNote = (verb: string) => (program: string) =>
	`${verb} machines may have new IP addresses. You may need to re-run the \`${program} env\` command.`;

function powerCommand(action: PowerAction, note?: (program: string) => string) {
	const waits = action === 'start' || action === 'restart';
	return machineActionCommand(
		async (input, machine, progress) => powerMachine(input.engine, machine, action, {progress, waitForDocker: !boolOption(input.flags, 'no-wait')}),
		{note, flags: waits ? [noWaitFlag] : []},
	);
}

export const start = powerCommand('start', newAddressNote('Started'));
export const stop = powerCommand('stop');
export const restart = powerCommand('restart', newAddressNote('Restarted'));
export const kill = powerCommand('kill');
