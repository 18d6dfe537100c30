import type {Command} from '../cli/command.js';
import {completionFlags, completionShells, renderCompletion, type CompletionShell} from '../cli/completion.js';
import {globalOptionSpecs, helpOptionSpec, versionOptionSpec} from '../cli/globals.js';
import {availableDrivers, loadDriverDefinition, MachinistError} from '../engine/index.js';
import {shellNames} from '../format/env.js';
import {commandTable} from './index.js';

const completion: Command = {
	argsUsage: 'SHELL',
	description: `bash: machinist completion bash > ~/.local/share/bash-completion/completions/machinist
zsh:  machinist completion zsh > "\${fpath[1]}/_machinist"
fish: machinist completion fish > ~/.config/fish/completions/machinist.fish`,
	operands: completionShells,
	flags: [],
	async run(input) {
		const [shell, ...extra] = input.args;
		if (!shell || extra.length > 0 || !(completionShells as readonly string[]).includes(shell)) {
			throw new MachinistError(`Error: name one shell: ${input.engine.program} completion ${completionShells.join('|')}`);
		}

		const commands = await Promise.all(commandTable.map(async entry => ({entry, command: (await entry.load()).default})));
		const {env} = input.terminal;
		// A plugin that will not say its flags is left out of the script, not a failure of it.
		const loaded = await Promise.all(availableDrivers(env).map(async name => loadDriverDefinition(name, env).catch(() => undefined)));
		const drivers = loaded.filter(definition => definition !== undefined);
		input.terminal.stdout.write(
			renderCompletion(shell as CompletionShell, {
				program: input.engine.program,
				globalFlags: completionFlags([...globalOptionSpecs, versionOptionSpec, helpOptionSpec], ''),
				commands: commands.map(({entry, command}) => ({
					name: entry.name,
					usage: entry.usage,
					operands: command.operands,
					flags: completionFlags(command.flags, entry.name),
				})),
				drivers: drivers.map(driver => ({name: driver.name, flags: completionFlags(driver.options, 'create')})),
				shells: shellNames,
			}),
		);
	},
};

export default completion;
