import type {Command} from '../cli/command.js';
import {MachinistError, addPortForward} from '../engine/index.js';

const port: Command = {
	argsUsage: 'MACHINE HOST:GUEST',
	description: 'Adds a TCP forward from 127.0.0.1:HOST to port GUEST of a local VM (qemu): at once if it runs, and at every start.',
	flags: [],
	async run(input) {
		const [name, forward, ...rest] = input.args;
		if (!name || !forward || rest.length > 0)
			throw new MachinistError(`Error: Expected a machine name and HOST:GUEST, e.g. ${input.engine.program} port default 8080:80`);
		const added = await addPortForward(input.engine, name, forward);
		input.terminal.stdout.write(`127.0.0.1:${added.host} -> ${name}:${added.guest}\n`);
	},
};

export default port;
