import {writeSync} from 'node:fs';
import {createRequire} from 'node:module';
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

const require = createRequire(import.meta.url);

type Output = Terminal['stdout'] & Terminal['stderr'];

/**
 * Standard output or error written with plain write(2) calls. Touching process.stdout builds a
 * stream (and, for a pipe, a socket), which costs a short command like `ls -q` or `env` a good
 * part of its start-up. A descriptor that cannot take the data now (a non-blocking pipe) hands
 * the rest to Node's stream, which waits for it; one whose reader has gone (`ls | head -1`)
 * takes no more output, as a program killed by SIGPIPE would write none.
 */
function descriptorOutput(descriptor: 1 | 2, stream: () => NodeJS.WriteStream): Output {
	let fallback: NodeJS.WriteStream | undefined;
	let closed = false;
	let isTty: boolean | undefined;
	return {
		get isTTY() {
			// Only the app and progress output ask; node:tty loads node:net, so not before then.
			isTty ??= (require('node:tty') as typeof import('node:tty')).isatty(descriptor);
			return isTty;
		},
		write(text: string) {
			if (closed) return false;
			if (fallback) return fallback.write(text);
			const data = Buffer.from(text);
			let written = 0;
			try {
				while (written < data.length) written += writeSync(descriptor, data, written);
			} catch (error) {
				const {code} = error as NodeJS.ErrnoException;
				if (code === 'EAGAIN') {
					fallback = stream();
					return fallback.write(data.subarray(written));
				}

				if (code === 'EPIPE') {
					closed = true;
					return false;
				}

				throw error;
			}

			return true;
		},
	};
}

export function processTerminal(): Terminal {
	return {
		stdout: descriptorOutput(1, () => process.stdout),
		stderr: descriptorOutput(2, () => process.stderr),
		readLine: readLineFromStdin,
		env: process.env,
	};
}

/**
 * The name the user ran us by, for hint lines (`# eval $(docker-machine env x)` through a
 * symlink named docker-machine); `node build/cli.cjs` is still machinist.
 */
export function invokedName(scriptPath: string | undefined): string {
	const name = scriptPath ? scriptPath.slice(scriptPath.lastIndexOf('/') + 1) : '';
	return name && !/\.[cm]?[jt]s$/.test(name) ? name : 'machinist';
}
