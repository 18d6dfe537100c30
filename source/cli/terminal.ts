import type {Terminal} from './command.js';

/** Reads one line from stdin after printing a prompt; undefined at end of input. */
async function readLineFromStdin(prompt: string): Promise<string | undefined> {
	process.stdout.write(prompt);
	const {createInterface} = await import('node:readline');
	return new Promise(resolve => {
		const lines = createInterface({input: process.stdin, terminal: false});
		let answered = false;
		lines.once('line', line => {
			answered = true;
			lines.close();
			resolve(line);
		});
		lines.once('close', () => {
			if (!answered) resolve(undefined);
		});
	});
}

export function processTerminal(): Terminal {
	return {
		stdout: process.stdout,
		stderr: process.stderr,
		readLine: readLineFromStdin,
		env: process.env,
	};
}

/**
 * The name the user ran us by, for hint lines (`# eval $(docker-machine env x)` through a
 * symlink named docker-machine); `node build/cli.js` is still machinist.
 */
export function invokedName(scriptPath: string | undefined): string {
	const name = scriptPath ? scriptPath.slice(scriptPath.lastIndexOf('/') + 1) : '';
	return name && !/\.[cm]?[jt]s$/.test(name) ? name : 'machinist';
}
