import path from 'node:path';
import type {Command} from '../cli/command.js';
import {boolOption, connectionConfig, loadMachine} from '../engine/index.js';
import {checked} from './connection.js';
import {singleTarget} from './targets.js';

/** Go's %q for the ASCII paths we print; JSON's string escaping is the same there. */
const goQuote = (text: string) => JSON.stringify(text);

const config: Command = {
	operands: 'machine',
	argsUsage: '[NAME]',
	flags: [{name: 'swarm', type: 'bool', description: 'Display the Swarm config instead of the Docker daemon'}],
	async run(input) {
		const machine = await loadMachine(input.engine, await singleTarget(input));
		const {url, certDir: dir} = await checked(input, 'Error running connection boilerplate: ', async () =>
			connectionConfig(input.engine, machine, {swarm: boolOption(input.flags, 'swarm')}),
		);
		input.terminal.stdout.write(
			[
				'--tlsverify',
				`--tlscacert=${goQuote(path.join(dir, 'ca.pem'))}`,
				`--tlscert=${goQuote(path.join(dir, 'cert.pem'))}`,
				`--tlskey=${goQuote(path.join(dir, 'key.pem'))}`,
				`-H=${url}`,
				'',
			].join('\n'),
		);
	},
};

export default config;
