import {execFile} from 'node:child_process';
import {readdir} from 'node:fs/promises';
import test from 'ava';
import {MachinistError} from '../../../source/engine/errors.js';
import {shellCommand, shellQuote} from '../../../source/engine/ssh/quote.js';
import {realTest, toolAvailable} from '../../helpers/real.js';
import {temporaryDir} from '../../helpers/store.js';

const hostile = [
	'',
	' ',
	'plain',
	"it's",
	"'",
	"''",
	String.raw`'\''`,
	'"double" and \'single\'',
	'$(touch pwned-dollar)',
	'`touch pwned-backtick`',
	'${HOME} $HOME $0 $$ $1 $@ $*',
	'a\nb\n',
	'\n',
	'line1\r\nline2',
	'; touch pwned-semicolon',
	'true && touch pwned-and || touch pwned-or',
	'| touch pwned-pipe',
	'> pwned-redirect < /etc/passwd',
	'* ? [a-z] ** .* {a,b} ~ ~root',
	'-n',
	'--help',
	String.raw`-e \n`,
	'\\',
	String.raw`\\n\t\0`,
	'%s %d %%',
	'tab\there',
	'# not a comment',
	'!! !$ history',
	'a=b',
	'\u00E9t\u00E9 \u65E5\u672C\u8A9E \uD83D\uDC33 \u200B zero width',
	'\u0001\u0002\u001B[31mred\u001B[0m\u007F',
	"'; rm -rf / #",
	'x'.repeat(10_000),
];

async function run(shell: string, args: string[], cwd: string): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		execFile(shell, args, {cwd, encoding: 'buffer', maxBuffer: 1024 * 1024}, (error, stdout, stderr) => {
			if (error) reject(new Error(`${shell} failed: ${error.message} ${stderr.toString()}`));
			else resolve(stdout);
		});
	});
}

// dash is Debian's /bin/sh; cloud images use bash or busybox (boot2docker) as well.
const shells: Array<{name: string; argv: (script: string) => string[]}> = [
	{name: 'sh', argv: script => ['-c', script]},
	{name: 'bash', argv: script => ['-c', script]},
	{name: 'dash', argv: script => ['-c', script]},
	{name: 'busybox', argv: script => ['sh', '-c', script]},
];

for (const shell of shells) {
	const withShell = realTest(toolAvailable(shell.name, `apt-get install -y ${shell.name}`));

	withShell(`shellQuote: every hostile value comes back byte for byte from printf %s in ${shell.name}`, async t => {
		const dir = await temporaryDir(t);
		for (const value of hostile) {
			const output = await run(shell.name, shell.argv(`printf %s ${shellQuote(value)}`), dir);
			t.deepEqual(output, Buffer.from(value, 'utf8'), JSON.stringify(value).slice(0, 80));
		}

		t.deepEqual(await readdir(dir), [], 'a quoted value ran a command');
	});

	withShell(`shellCommand: each word arrives as one argument in ${shell.name}, unchanged, whatever it contains`, async t => {
		const dir = await temporaryDir(t);
		const values = hostile.filter(value => value.length < 1000);
		const output = await run(shell.name, shell.argv(shellCommand(['printf', String.raw`%s\0`, ...values])), dir);
		t.deepEqual(output.toString('utf8').split('\0').slice(0, -1), values);
		t.deepEqual(await readdir(dir), []);
	});
}

test('shellCommand: a quoted first word is a program name, not an assignment or a keyword', async t => {
	const dir = await temporaryDir(t);
	const error = await run('/bin/sh', ['-c', `${shellCommand(['FOO=bar', 'true'])} 2>&1 || printf 'not found'`], dir);
	t.regex(error.toString(), /not found/);
});

test(String.raw`shellQuote wraps in single quotes and escapes quotes as '\''`, t => {
	t.is(shellQuote(''), "''");
	t.is(shellQuote('abc'), "'abc'");
	t.is(shellQuote("it's"), String.raw`'it'\''s'`);
	t.is(shellCommand(['ls', '-l', 'my file']), "'ls' '-l' 'my file'");
});

test('shellQuote refuses NUL bytes and lone surrogates, which no shell can pass on', t => {
	const nul = t.throws(() => shellQuote('a\0b'), {instanceOf: MachinistError});
	t.regex(nul.message, /NUL byte/);
	t.notRegex(nul.message, /\n/);
	t.throws(() => shellQuote('\uD83D'), {instanceOf: MachinistError, message: /lone surrogate/});
	t.throws(() => shellCommand(['echo', 'x\0']), {instanceOf: MachinistError});
	t.throws(() => shellCommand([]), {instanceOf: MachinistError});
});
