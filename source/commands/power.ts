import {type PowerAction, powerMachine} from '../engine/index.js';
import {machineActionCommand} from './targets.js';

const newAddressNote = (verb: string) => (program: string) =>
	`${verb} machines may have new IP addresses. You may need to re-run the \`${program} env\` command.`;

function powerCommand(action: PowerAction, note?: (program: string) => string) {
	return machineActionCommand(async (input, machine, progress) => powerMachine(input.engine, machine, action, {progress}), note);
}

export const start = powerCommand('start', newAddressNote('Started'));
export const stop = powerCommand('stop');
export const restart = powerCommand('restart', newAddressNote('Restarted'));
export const kill = powerCommand('kill');
