import test from 'ava';
import {parseArgs} from '../../source/cli/args.js';
import type {OptionSpec} from '../../source/engine/options.js';

const specs: OptionSpec[] = [
	{name: 'quiet', short: 'q', type: 'bool', description: ''},
	{name: 'filter', type: 'string-list', description: ''},
	{name: 'timeout', short: 't', type: 'int', default: 10, description: ''},
	{name: 'format', short: 'f', type: 'string', description: ''},
];
const settings = {commandName: 'ls', program: 'machinist'};

test('accepts Go-style single-dash and double-dash flags, = and separate values', t => {
	const parsed = parseArgs(['-q', '--filter', 'driver=none', '-filter=state=Running', '-t', '3', '--format={{.Name}}'], specs, settings);
	t.deepEqual(parsed.flags, {quiet: true, filter: ['driver=none', 'state=Running'], timeout: 3, format: '{{.Name}}'});
	t.deepEqual(parsed.positionals, []);
});

test('flags may follow positional arguments, and -- ends flag parsing', t => {
	const parsed = parseArgs(['a', '-q', 'b', '--', '-c'], specs, settings);
	t.deepEqual(parsed.positionals, ['a', 'b', '-c']);
	t.true(parsed.flags.quiet);
});

test('stopAtPositional leaves everything after the first positional alone', t => {
	const parsed = parseArgs(['-q', 'host', 'ls', '-la'], specs, {...settings, stopAtPositional: true});
	t.deepEqual(parsed.positionals, ['host', 'ls', '-la']);
});

test('booleans take an explicit =false', t => {
	t.false(parseArgs(['--quiet=false'], specs, settings).flags.quiet);
});

test('an unknown flag is a one-line error that names the help command', t => {
	const error = t.throws(() => parseArgs(['--bogus'], specs, settings));
	t.is(error.message, 'Error: unknown flag --bogus for "ls"; run "machinist ls --help" for the flags it takes');
});

test('a flag missing its value and a non-number for an int flag are errors', t => {
	t.throws(() => parseArgs(['--format'], specs, settings), {message: /flag --format needs a value/});
	t.throws(() => parseArgs(['-t', 'soon'], specs, settings), {message: /invalid value "soon" for --timeout: expected a whole number/});
});

test('-h and --help ask for help', t => {
	t.true(parseArgs(['-h'], specs, settings).help);
	t.true(parseArgs(['x', '--help'], specs, settings).help);
});
