import type {Command} from '../cli/command.js';
import {resizeMachine, resizeOptions, resizeRequestFrom} from '../engine/index.js';
import {printProgress} from './progress.js';
import {singleTarget} from './targets.js';

const set: Command = {
	argsUsage: '[MACHINE]',
	description:
		'Changes the CPU count, memory or disk size of a local VM (qemu, virtualbox). CPU and memory apply at the next start (now with --restart); the disk only grows, and the guest grows its file system at the next boot.',
	operands: 'machine',
	flags: resizeOptions,
	async run(input) {
		const name = await singleTarget(input);
		const outcome = await resizeMachine(input.engine, name, resizeRequestFrom(input.givenFlags), {progress: printProgress(input.terminal)});
		input.terminal.stdout.write(
			outcome === 'restarted'
				? `Machine "${name}" was restarted with its new size.\n`
				: `Machine "${name}" takes its new size at its next start (or now: ${input.engine.program} restart ${name}).\n`,
		);
	},
};

export default set;
