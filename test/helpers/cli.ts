import {execFile} from 'node:child_process';
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {runCli} from '../../source/cli/main.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The built command, what `machinist` runs (bin/machinist links to it; `npm test` builds first). */
export const builtCli = path.join(repoRoot, 'build', 'cli.cjs');

export type CliResult = {code: number; stdout: string; stderr: string};

/**
 * Runs the real binary in a child process, as a user would. The environment is minimal and
 * explicit so the developer's own store and shell never leak into a test.
 */
export async function machinist(args: readonly string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 60_000): Promise<CliResult> {
	return new Promise(resolve => {
		const child = execFile(process.execPath, [builtCli, ...args], {env: {PATH: process.env.PATH, ...env}, timeout: timeoutMs}, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
			resolve({code, stdout, stderr});
		});
		if (input === undefined) child.stdin?.end();
		else child.stdin?.end(input);
	});
}

/** The same command line run in this process: fast, for the many format and error cases. */
export async function machinistInProcess(args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
	let stdout = '';
	let stderr = '';
	const code = await runCli(args, {
		stdout: {
			write(text: string) {
				stdout += text;
			},
		},
		stderr: {
			write(text: string) {
				stderr += text;
			},
		},
		async readLine(prompt) {
			stdout += prompt;
			return input?.split('\n')[0];
		},
		env,
	});
	return {code, stdout, stderr};
}

/** Runs a shell line the way a user would, with machinist on PATH as `machinist`. */
export async function userShell(env: NodeJS.ProcessEnv, line: string): Promise<CliResult> {
	const bin = path.join(String(env.MACHINE_STORAGE_PATH), 'bin');
	await mkdir(bin, {recursive: true});
	await writeFile(path.join(bin, 'machinist'), `#!/bin/sh\nexec ${process.execPath} ${builtCli} "$@"\n`, {mode: 0o755});
	return new Promise(resolve => {
		execFile('bash', ['-c', line], {env: {...process.env, ...env, PATH: `${bin}:${process.env.PATH}`}, timeout: 120_000}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}
