import type {Command} from '../cli/command.js';
import {missingClientFiles} from '../engine/connection.js';
import {MachinistError, errorMessage} from '../engine/errors.js';
import {loadMachine} from '../engine/machine.js';
import {boolOption, stringOption} from '../engine/options.js';
import {
	detectShell,
	noProxyVariable,
	noProxyVariableName,
	renderSetEnv,
	renderUnsetEnv,
	shellFromFlag,
	type EnvVariables,
} from '../format/env.js';
import {checkedDockerUrl} from './connection.js';
import {singleTarget} from './targets.js';

export const dockerVariables = ['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_MACHINE_NAME'] as const;

const env: Command = {
	name: 'env',
	usage: 'Display the commands to set up the environment for the Docker client',
	argsUsage: '[NAME]',
	flags: [
		{name: 'swarm', type: 'bool', description: 'Display the Swarm config instead of the Docker daemon'},
		{name: 'shell', type: 'string', description: 'Force environment to be configured for a specified shell: [fish, cmd, powershell, tcsh, emacs, nushell, bash, zsh, sh], default is auto-detect'},
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
		const url = await checkedDockerUrl(input, machine, 'Error checking TLS connection: ');

		const missing = await missingClientFiles(machine);
		if (missing.length > 0) {
			throw new MachinistError(`Error: the docker CLI needs ${missing.join(', ')}: copy them from ${input.engine.store.certsDir} (cp ${input.engine.store.certsDir}/{ca,cert,key}.pem ${machine.dir}/)`);
		}

		const variables: Array<readonly [string, string]> = [
			['DOCKER_TLS_VERIFY', '1'],
			['DOCKER_HOST', url],
			['DOCKER_CERT_PATH', machine.dir],
			['DOCKER_MACHINE_NAME', machine.name],
		];
		if (process.platform === 'win32') variables.push(['COMPOSE_CONVERT_WINDOWS_PATHS', 'true']);
		if (noProxy) variables.push(noProxyVariable(input.terminal.env, new URL(url).hostname));
		input.terminal.stdout.write(renderSetEnv(shell, variables satisfies EnvVariables, input.commandLine));
	},
};

export default env;
