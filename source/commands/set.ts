import type {Command} from '../cli/command.js';
import {boolOption, resizeMachine, type OptionValue} from '../engine/index.js';
import {printProgress} from './progress.js';
import {singleTarget} from './targets.js';

function given(flags: Readonly<Record<string, OptionValue>>, name: string): number | undefined {
	const value = flags[name];
	return typeof value === 'number' ? value : undefined;
}

const set: Command = {
	argsUsage: '[MACHINE]',
	description:
		'Changes the CPU count, memory or disk size of a local VM (qemu, virtualbox). CPU and memory apply at the next start (now with --restart); the disk only grows, and the guest grows its file system at the next boot.',
	operands: 'machine',
	flags: [
		{name: 'cpus', type: 'int', description: 'number of CPUs'},
		{name: 'memory', type: 'int', description: 'size of memory (in MB)'},
		{name: 'disk-size', type: 'int', description: 'size of the disk (in MB); larger than now'},
		{name: 'restart', type: 'bool', description: 'restart a running machine so the new size applies now'},
	],
	async run(input) {
		const name = await singleTarget(input);
		const outcome = await resizeMachine(
			input.engine,
			name,
			{
				cpus: given(input.givenFlags, 'cpus'),
				memoryMb: given(input.givenFlags, 'memory'),
				diskSizeMb: given(input.givenFlags, 'disk-size'),
				restart: boolOption(input.flags, 'restart'),
			},
			{progress: printProgress(input.terminal)},
		);
		input.terminal.stdout.write(
			outcome === 'restarted'
				? `Machine "${name}" was restarted with its new size.\n`
				: `Machine "${name}" takes its new size at its next start (or now: ${input.engine.program} restart ${name}).\n`,
		);
	},
};

export default set;
