import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {renderSetEnv, type ShellName} from '../../source/format/env.js';
import {realTest, toolAvailable} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

/** Values that try to run something (each would create MARK) or that quoting commonly mangles. */
const hostileValues = [
	'tcp://10.0.0.7:2376/`touch MARK`',
	'$(touch MARK)',
	'${HOME}$HOME',
	'"; touch MARK; echo "',
	"'; touch MARK; echo '",
	'a\\b\\',
	'back\\',
	'a\nb',
	'a\ntouch MARK\n',
	'line\r\nbreak',
	'!touch MARK',
	'%PATH% %%',
	';&|<>()',
	'‘typographic’ “quotes” „low',
	'`$"\'\\!',
	'tab\there',
	'',
	'/home/user/My Machines/store',
];

type Interpreter = {
	shell: ShellName;
	program: string;
	/** The argv that applies the rendered file the way the shell's hint line does. */
	apply(file: string, out: string): string[];
	/** What the value becomes through that hint, when the shell cannot carry it exactly. */
	expected?(value: string): string | undefined;
};

const printTo = (out: string) => `printenv DOCKER_HOST > '${out}'`;

// An unquoted `eval $(…)` splits the output on blanks and line breaks and joins it with single spaces.
const collapsed = (value: string) => value.replaceAll(/[ \t\n]+/g, ' ');
// tcsh's eval `…` also applies its file-name patterns to the words (`{HOME}` becomes `HOME`).
const collapsedUnlessPattern = (value: string) => (/[*?[{~]/.test(value) ? undefined : collapsed(value));

const interpreters: Interpreter[] = [
	{shell: 'bash', program: 'bash', apply: (file, out) => ['-c', `eval $(cat '${file}'); ${printTo(out)}`], expected: collapsed},
	{shell: 'bash', program: 'bash', apply: (file, out) => ['-c', `eval "$(cat '${file}')"; ${printTo(out)}`]},
	{shell: 'sh', program: 'dash', apply: (file, out) => ['-c', `eval "$(cat '${file}')"; ${printTo(out)}`]},
	{shell: 'zsh', program: 'zsh', apply: (file, out) => ['-c', `eval "$(cat '${file}')"; ${printTo(out)}`]},
	{shell: 'zsh', program: 'zsh', apply: (file, out) => ['-c', `eval $(cat '${file}'); ${printTo(out)}`], expected: collapsed},
	{shell: 'fish', program: 'fish', apply: (file, out) => ['-c', `cat '${file}' | source; ${printTo(out)}`]},
	{shell: 'fish', program: 'fish', apply: (file, out) => ['-c', `eval (cat '${file}'); ${printTo(out)}`], expected: value => value.replaceAll('\n', ' ')},
	{shell: 'tcsh', program: 'tcsh', apply: (file, out) => ['-f', '-c', `eval \`cat '${file}'\`; ${printTo(out)}`], expected: collapsedUnlessPattern},
	{
		shell: 'tcsh',
		program: 'tcsh',
		apply: (file, out) => ['-f', '-c', `source '${file}'; ${printTo(out)}`],
		expected: value => (/[\n\r]/.test(value) ? undefined : value),
	},
];

async function runShell(program: string, args: string[], cwd: string): Promise<{code: number; stderr: string}> {
	return new Promise(resolve => {
		execFile(program, args, {cwd, env: {PATH: process.env.PATH, HOME: cwd}, timeout: 10_000}, (error, _stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr});
		});
	});
}

for (const interpreter of interpreters) {
	const how = interpreter.apply('FILE', 'OUT').at(-1)!.split(';')[0];
	const withShell = realTest(toolAvailable(interpreter.program, `apt-get install -y ${interpreter.program}`));
	withShell(`env --shell ${interpreter.shell} output is inert under ${interpreter.program} (${how}) for every hostile value`, async t => {
		const dir = await temporaryDir(t);
		let exact = 0;
		for (const [index, value] of hostileValues.entries()) {
			const file = path.join(dir, `env-${index}`);
			const out = path.join(dir, `out-${index}`);
			await writeFile(file, renderSetEnv(interpreter.shell, [['DOCKER_HOST', value]], 'machinist env x'));
			const result = await runShell(interpreter.program, interpreter.apply(file, out), dir);
			t.false(existsSync(path.join(dir, 'MARK')), `${JSON.stringify(value)} ran a command under ${interpreter.program}`);
			const wanted = interpreter.expected ? interpreter.expected(value) : value;
			if (wanted === undefined) continue;
			t.is(result.code, 0, `${JSON.stringify(value)}: ${result.stderr}`);
			t.is((await readFile(out, 'utf8').catch(() => '')).replace(/\n$/, ''), wanted, JSON.stringify(value));
			exact++;
		}

		t.log(`${exact} of ${hostileValues.length} values arrived as expected`);
	});
}

test('cmd output quotes & | < > ^ ( ) with SET "NAME=value" and refuses what cmd cannot take', t => {
	t.is(renderSetEnv('cmd', [['DOCKER_HOST', 'tcp://1.2.3.4:2376']], 'm env').split('\n')[0], 'SET DOCKER_HOST=tcp://1.2.3.4:2376');
	t.is(renderSetEnv('cmd', [['DOCKER_CERT_PATH', String.raw`C:\a&b (x)`]], 'm env').split('\n')[0], String.raw`SET "DOCKER_CERT_PATH=C:\a&b (x)"`);
	for (const value of ['a"&calc&"b', '%PATH%', 'a\r\nb', '!x!']) {
		t.throws(() => renderSetEnv('cmd', [['DOCKER_HOST', value]], 'm env'), {
			message: /^Error: DOCKER_HOST contains .+, which cmd cannot take safely: use --shell powershell$/,
		});
	}
});

test('powershell output keeps every value on one line with backtick escapes', t => {
	const rendered = renderSetEnv('powershell', [['DOCKER_HOST', 'a\nb"$x`“”„\r']], 'm env');
	t.is(rendered.split('\n')[0], '$Env:DOCKER_HOST = "a`nb`"`$x```“`”`„`r"');
});
