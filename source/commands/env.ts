import type {Command} from '../cli/command.js';
import {boolOption, dockerEnvironment, loadMachine, MachinistError, noProxyVariableName, stringOption} from '../engine/index.js';
import {detectShell, renderSetEnv, renderUnsetEnv, shellFromFlag} from '../format/env.js';
import {checked} from './connection.js';
import {singleTarget} from './targets.js';

export const dockerVariables = ['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_MACHINE_NAME'] as const;

const env: Command = {
	operands: 'machine',
	argsUsage: '[NAME]',
	flags: [
		{name: 'swarm', type: 'bool', description: 'Display the Swarm config instead of the Docker daemon'},
		{
			name: 'shell',
			type: 'string',
			description:
				'Force environment to be configured for a specified shell: [fish, cmd, powershell, tcsh, emacs, nushell, bash, zsh, sh], default is auto-detect',
		},
		{name: 'unset', short: 'u', type: 'bool', description: 'Unset variables instead of setting them'},
		{name: 'no-proxy', type: 'bool', description: 'Add machine IP to NO_PROXY environment variable'},
	],
	async run(input) {
		const shellFlag = stringOption(input.flags, 'shell');
		const shell = shellFlag ? shellFromFlag(shellFlag) : detectShell(input.terminal.env);
		const noProxy = boolOption(input.flags, 'no-proxy');
		if (boolOption(input.flags, 'unset')) {
			if (input.args.length > 0) throw new MachinistError('Error: Expected no machine name when the -u flag is present');
			const names = [...dockerVariables, ...(noProxy ? [noProxyVariableName(input.terminal.env)] : [])];
			input.terminal.stdout.write(renderUnsetEnv(shell, names, input.commandLine));
			return;
		}

		const machine = await loadMachine(input.engine, await singleTarget(input));
		const {variables} = await checked(input, 'Error checking TLS connection: ', async () =>
			dockerEnvironment(input.engine, machine, {swarm: boolOption(input.flags, 'swarm'), noProxy}),
		);
		input.terminal.stdout.write(renderSetEnv(shell, variables, input.commandLine));
	},
};

export default env;
