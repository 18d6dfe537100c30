import {execFile} from 'node:child_process';
import {symlink, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {findProgram} from '../../source/engine/index.js';
import {builtCli, repoRoot} from '../helpers/cli.js';
import {type Availability, realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

const sourceDir = path.join(repoRoot, 'source/cli/completion');

function installed(program: string): Availability {
	return findProgram(program, process.env) ? {ok: true} : {ok: false, why: `${program} is not installed (apt-get install ${program})`};
}

async function run(file: string, args: readonly string[]): Promise<{code: number; output: string}> {
	return new Promise(resolve => {
		execFile(file, args, {timeout: 60_000}, (error, stdout, stderr) => {
			resolve({code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr});
		});
	});
}

/**
 * The script `completion SHELL` prints, written to a file, for the program's own name and for a
 * `docker-machine` link to it (whose function names differ).
 */
async function printedScripts(t: ExecutionContext, shell: string): Promise<string[]> {
	const dir = await temporaryDir(t);
	const link = path.join(dir, 'docker-machine');
	await symlink(builtCli, link);
	return Promise.all(
		[builtCli, link].map(async (cli, index) => {
			const printed = await run(process.execPath, [cli, 'completion', shell]);
			t.is(printed.code, 0, printed.output);
			const file = path.join(dir, `script-${index}.${shell}`);
			await writeFile(file, printed.output);
			return file;
		}),
	);
}

async function check(t: ExecutionContext, checker: string, args: readonly string[], files: readonly string[]) {
	for (const file of files) {
		const result = await run(checker, [...args, file]);
		t.deepEqual(result, {code: 0, output: ''}, `${checker} ${file}`);
	}
}

realTest(installed('shellcheck'))(
	'the bash script passes shellcheck: its files as written, and as printed for machinist and a docker-machine link',
	async t => {
		await check(t, 'shellcheck', [], [path.join(sourceDir, 'machinist.bash'), path.join(sourceDir, 'scan.bash'), ...(await printedScripts(t, 'bash'))]);
	},
);

realTest(installed('zsh'))('the zsh script is valid zsh, as written and as printed', async t => {
	await check(t, 'zsh', ['-n'], [path.join(sourceDir, 'machinist.zsh'), path.join(sourceDir, 'scan.bash'), ...(await printedScripts(t, 'zsh'))]);
});

realTest(installed('fish'))('the fish script is valid fish, as written and as printed', async t => {
	await check(t, 'fish', ['--no-execute'], [path.join(sourceDir, 'machinist.fish'), ...(await printedScripts(t, 'fish'))]);
});
