// Finding and running programs on this computer (ssh, scp, sshfs, clipboard tools).
import {accessSync, constants} from 'node:fs';
import path from 'node:path';

/** The path of an executable on $PATH (or the path given, when the name has a slash), or undefined. */
export function findProgram(name: string, env: NodeJS.ProcessEnv): string | undefined {
	const candidates = name.includes('/')
		? [name]
		: (env.PATH ?? '')
				.split(path.delimiter)
				.filter(Boolean)
				.map(dir => path.join(dir, name));
	return candidates.find(candidate => {
		try {
			accessSync(candidate, constants.X_OK);
			return true;
		} catch {
			return false;
		}
	});
}

/** The choice for this computer's system: macOS, Windows, or any other (Linux and the BSDs). */
export function forPlatform<T>(choices: {darwin: T; win32: T; other: T}): T {
	if (process.platform === 'darwin') return choices.darwin;
	return process.platform === 'win32' ? choices.win32 : choices.other;
}

/** Hands the terminal to a program and resolves with its exit code. */
export async function runProgram(binary: string, args: readonly string[]): Promise<number> {
	// node:child_process costs start-up time that commands which run nothing should not pay.
	const {spawn} = await import('node:child_process');
	return new Promise((resolve, reject) => {
		const child = spawn(binary, args, {stdio: 'inherit'});
		child.once('error', reject);
		child.once('exit', (code, signal) => {
			// A program killed by a signal exits, as a shell reports it, with 128 + the signal number.
			resolve(code ?? 128 + (signal ? (osSignals[signal] ?? 1) : 1));
		});
	});
}

const osSignals: Partial<Record<NodeJS.Signals, number>> = {SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15};
