import {type PowerAction, powerMachine} from '../engine/index.js';
import {machineActionCommand} from './targets.js';

const newAddressNote = (verb: string) => (program: string) =>
	`${verb} machines may have new IP addresses. You may need to re-run the \`${program} env\` command.`;

function powerCommand(action: PowerAction, usage: string, note?: (program: string) => string) {
	return machineActionCommand(action, usage, async (input, machine, progress) => powerMachine(input.engine, machine, action, {progress}), note);
}

export const start = powerCommand('start', 'Start a machine', newAddressNote('Started'));
export const stop = powerCommand('stop', 'Stop a machine');
export const restart = powerCommand('restart', 'Restart a machine', newAddressNote('Restarted'));
export const kill = powerCommand('kill', 'Kill a machine');
