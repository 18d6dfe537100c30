import type {Command, CommandInput} from '../cli/command.js';
import {powerMachine, type PowerAction} from '../engine/machines.js';
import {printProgress} from './progress.js';
import {forEachMachine} from './targets.js';

const afterwards: Partial<Record<PowerAction, string>> = {
	start: 'Started machines may have new IP addresses. You may need to re-run the `machinist env` command.',
	restart: 'Restarted machines may have new IP addresses. You may need to re-run the `machinist env` command.',
};

/** All named machines at once, as docker-machine does; every failure is reported. */
async function runPower(input: CommandInput, action: PowerAction): Promise<void> {
	const progress = printProgress(input.terminal);
	await forEachMachine(input, async machine => powerMachine(input.engine, machine, action, {progress}));
	const note = afterwards[action];
	if (note) input.terminal.stdout.write(`${note}\n`);
}

function powerCommand(action: PowerAction, usage: string): Command {
	return {
		name: action,
		usage,
		flags: [],
		async run(input) {
			await runPower(input, action);
		},
	};
}

export const start = powerCommand('start', 'Start a machine');
export const stop = powerCommand('stop', 'Stop a machine');
export const restart = powerCommand('restart', 'Restart a machine');
export const kill = powerCommand('kill', 'Kill a machine');
