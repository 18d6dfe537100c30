import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readdir} from 'node:fs/promises';
import test, {type ExecutionContext} from 'ava';
import {MachinistError} from '../../source/engine/errors.js';
import {shellCommand, shellQuote} from '../../source/engine/ssh/quote.js';
import {realTest, toolAvailable} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

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
const shells = ['/bin/sh', '/bin/bash', '/bin/dash'].filter(shell => existsSync(shell));
const withBusybox = realTest(toolAvailable('busybox', 'apt-get install -y busybox'));

async function printedBack(t: ExecutionContext, shell: string, argv: (script: string) => string[]): Promise<void> {
	const dir = await temporaryDir(t);
	for (const value of hostile) {
		const output = await run(shell, argv(`printf %s ${shellQuote(value)}`), dir);
		t.deepEqual(output, Buffer.from(value, 'utf8'), `${shell}: ${JSON.stringify(value).slice(0, 80)}`);
	}

	t.deepEqual(await readdir(dir), [], 'a quoted value ran a command');
}

test('shellQuote: every hostile value comes back byte for byte from printf %s in sh, bash and dash', async t => {
	for (const shell of shells) await printedBack(t, shell, script => ['-c', script]);
});

withBusybox('shellQuote: every hostile value comes back byte for byte from printf %s in busybox sh', async t => {
	await printedBack(t, 'busybox', script => ['sh', '-c', script]);
});

test('shellCommand: each word arrives as one argument, unchanged, whatever it contains', async t => {
	const dir = await temporaryDir(t);
	const values = hostile.filter(value => value.length < 1000);
	for (const shell of shells) {
		const output = await run(shell, ['-c', shellCommand(['printf', String.raw`%s\0`, ...values])], dir);
		t.deepEqual(output.toString('utf8').split('\0').slice(0, -1), values, shell);
	}

	t.deepEqual(await readdir(dir), []);
});

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
