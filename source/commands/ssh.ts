import type {Command} from '../cli/command.js';
import {boolOption, findProgram, loadMachine, MachinistError, openSshClient, resetHostKey, runProgram, sshArguments, sshTarget} from '../engine/index.js';
import {singleTarget} from './targets.js';

const ssh: Command = {
	operands: 'machine',
	argsUsage: '[NAME] [COMMAND...]',
	description: "The remote command's exit code becomes machinist's. The host key is pinned on first use; --reset-host-key forgets it after a rebuild.",
	passThrough: true,
	flags: [{name: 'reset-host-key', type: 'bool', description: 'Forget the pinned host key of the machine (after rebuilding its host)'}],
	async run(input) {
		const [name = await singleTarget({...input, args: []}), ...command] = input.args;
		const machine = await loadMachine(input.engine, name);
		if (boolOption(input.flags, 'reset-host-key')) {
			const removed = await resetHostKey(machine);
			input.terminal.stdout.write(
				removed > 0
					? `Forgot the host key of "${machine.name}"; the next connection pins the new one.\n`
					: `No host key was pinned for "${machine.name}".\n`,
			);
			return 0;
		}

		const target = await sshTarget(input.engine, machine);
		const binary = findProgram('ssh', input.terminal.env);
		if (!binary) {
			// Without OpenSSH: our own client, with a pseudo-terminal.
			const client = await openSshClient(target, input.terminal.env);
			try {
				if (command.length === 0) {
					if (!process.stdin.isTTY)
						throw new MachinistError('Error: an interactive session needs a terminal: run it in one, or give a command to run');
					process.stdin.setRawMode(true);
					try {
						return await client.interactiveShell({
							input: process.stdin,
							output: process.stdout,
							errorOutput: process.stderr,
							term: input.terminal.env.TERM,
						});
					} finally {
						process.stdin.setRawMode(false);
						process.stdin.pause();
					}
				}

				const result = await client.exec(command.join(' '), {
					pty: Boolean(input.terminal.stdout.isTTY),
					onStdout: chunk => input.terminal.stdout.write(chunk.toString()),
					onStderr: chunk => input.terminal.stderr.write(chunk.toString()),
				});
				return result.code ?? 1;
			} finally {
				client.close();
			}
		}

		return runProgram(binary, await sshArguments(target, command, {tty: command.length === 0}));
	},
};

export default ssh;
