import {readFileSync} from 'node:fs';
import type {OptionSpec} from '../engine/index.js';
import type {Command} from './command.js';
import {helpOptionSpec} from './globals.js';

/**
 * Shell completion scripts for bash, zsh and fish. What each shell does is a real shell file in
 * completion/, checked by shellcheck, `zsh -n` and `fish --no-execute`; what it knows (commands,
 * flags, drivers, shells) is data from the same tables as `--help`, written into the script here
 * as lookup functions. Machine names are read by the shell itself from the store's `machines/`
 * directory at each request, so a completion costs no Node start-up.
 */

/** What the word after a flag is: a driver name, a shell name, a file, the store, or free text. */
type ValueKind = 'driver' | 'shell' | 'file' | 'storage' | 'text';

export type CompletionFlag = {words: string[]; description: string; value?: ValueKind};

export type CompletionData = {
	program: string;
	globalFlags: CompletionFlag[];
	commands: Array<{name: string; usage: string; operands?: Command['operands']; flags: CompletionFlag[]}>;
	drivers: Array<{name: string; flags: CompletionFlag[]}>;
	shells: readonly string[];
};

export const completionShells = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof completionShells)[number];

function valueKind(spec: OptionSpec, commandName: string): ValueKind | undefined {
	if (spec.type === 'bool') return undefined;
	if (commandName === '' && spec.name === 'storage-path') return 'storage';
	if (commandName === 'create' && spec.name === 'driver') return 'driver';
	if (commandName === 'env' && spec.name === 'shell') return 'shell';
	if (spec.format === 'file' || (commandName === '' && spec.name.startsWith('tls-'))) return 'file';
	return 'text';
}

/** One option as completion words: `--name` and its one-letter form. */
export function completionFlags(specs: readonly OptionSpec[], commandName: string): CompletionFlag[] {
	return specs.map(spec => ({
		// A one-letter name (rm's `-y`) is written with one dash, as --help shows it.
		words: [`${spec.name.length === 1 ? '-' : '--'}${spec.name}`, ...(spec.short ? [`-${spec.short}`] : [])],
		description: spec.description,
		value: valueKind(spec, commandName),
	}));
}

/** A word a script offers, with what fish shows beside it. */
type Word = {word: string; description?: string};

/**
 * A lookup the scripts call with one key: `NAME KEY` sets `reply` to the words in bash and zsh,
 * and prints them one a line, each with its description after a tab, in fish.
 */
type Lookup = {name: string; rows: Array<{keys: readonly string[]; words: readonly Word[]}>};

/**
 * The data of a script: `words` (commands, drivers, shells, and the fixed operands of a command
 * under its name), `flags` of a command (`.` for the global ones), `driver_flags`, `value_kind`
 * of `COMMAND FLAG` (a driver's flags under `create`), and what a command's `operands` are.
 */
function lookups(data: CompletionData): Lookup[] {
	const plain = (words: readonly string[]) => words.map(word => ({word}));
	const flagWords = (flags: readonly CompletionFlag[]) => flags.flatMap(flag => flag.words.map(word => ({word, description: flag.description})));
	const commandNames = data.commands.map(command => command.name);
	const keyed = (key: string, flags: readonly CompletionFlag[]) =>
		flags.flatMap(flag => (flag.value ? flag.words.map(word => [`${key} ${word}`, flag.value!] as const) : []));
	const byKind = new Map<ValueKind, string[]>();
	for (const [pattern, kind] of [
		...keyed('.', data.globalFlags),
		...data.commands.flatMap(command => keyed(command.name, command.flags)),
		...data.drivers.flatMap(driver => keyed('create', driver.flags)),
	])
		byKind.set(kind, [...(byKind.get(kind) ?? []), pattern]);
	// Operands that are command names (help's) are a fixed list of words like any other.
	const operands = data.commands.flatMap(({name, operands}) => {
		if (operands === undefined) return [];
		if (operands === 'commands') return [{name, kind: 'words', words: commandNames}];
		return typeof operands === 'string' ? [{name, kind: operands, words: []}] : [{name, kind: 'words', words: operands}];
	});
	const operandKinds = new Map<string, string[]>();
	for (const {name, kind} of operands) operandKinds.set(kind, [...(operandKinds.get(kind) ?? []), name]);

	return [
		{
			name: 'words',
			rows: [
				{keys: ['commands'], words: data.commands.map(command => ({word: command.name, description: command.usage}))},
				{keys: ['drivers'], words: plain(data.drivers.map(driver => driver.name))},
				{keys: ['shells'], words: plain(data.shells)},
				...operands.map(({name, words}) => ({keys: [name], words: plain(words)})),
			],
		},
		{
			name: 'flags',
			rows: [
				{keys: ['.'], words: flagWords(data.globalFlags)},
				...data.commands.map(command => ({
					keys: [command.name],
					words: flagWords([...command.flags, ...completionFlags([helpOptionSpec], command.name)]),
				})),
			],
		},
		{name: 'driver_flags', rows: data.drivers.map(driver => ({keys: [driver.name], words: flagWords(driver.flags)}))},
		{name: 'value_kind', rows: [...byKind].map(([kind, patterns]) => ({keys: patterns, words: [{word: kind}]}))},
		{name: 'operands', rows: [...operandKinds].map(([kind, names]) => ({keys: names, words: [{word: kind}]}))},
	];
}

const single = (text: string) => `'${text.replaceAll("'", String.raw`'\''`)}'`;
const fishSingle = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)}'`;

/** The lookups as bash functions, which zsh runs as they are. */
function posixLookups(data: CompletionData, prefix: string): string {
	return lookups(data)
		.map(({name, rows}) =>
			[
				`${prefix}_${name}() {`,
				'\tcase $1 in',
				...rows
					.filter(row => row.words.length > 0)
					.map(row => `\t\t${row.keys.map(key => single(key)).join('|')}) reply=${single(row.words.map(({word}) => word).join(' '))} ;;`),
				"\t\t*) reply='' ;;",
				'\tesac',
				'}',
			].join('\n'),
		)
		.join('\n');
}

/** The lookups as fish functions; fish joins `'word'\t'description'` into one argument with a tab. */
function fishLookups(data: CompletionData, prefix: string): string {
	const argument = ({word, description}: Word) =>
		description === undefined ? fishSingle(word) : String.raw`${fishSingle(word)}\t${fishSingle(description)}`;
	return lookups(data)
		.map(({name, rows}) =>
			[
				`function ${prefix}_${name}`,
				'\tswitch $argv[1]',
				...rows
					.filter(row => row.words.length > 0)
					.map(
						row =>
							`\t\tcase ${row.keys.map(key => fishSingle(key)).join(' ')}\n\t\t\tprintf '%s\\n' ${row.words.map(word => argument(word)).join(' ')}`,
					),
				'\tend',
				'end',
			].join('\n'),
		)
		.join('\n\n');
}

/**
 * A shell file of completion/ (beside this module, in the source tree and in build/) as the
 * script of `program`. The files are written for `machinist`: another name the program runs
 * under (a `docker-machine` link) gets its own function names (`_docker_machine`); in the zsh
 * install line, after a `/`, the file's name is `_` and the program's name.
 */
function shellFile(file: string, program: string): string {
	const prefix = functionPrefix(program);
	return readFileSync(new URL(`completion/${file}`, import.meta.url), 'utf8').replaceAll(/(?<!\/)_machinist|machinist/g, name =>
		name === 'machinist' ? program : prefix,
	);
}

const functionPrefix = (program: string) => `_${program.replaceAll(/\W/g, '_')}`;

/** The script for `shell`: its file, with the data (and for bash and zsh the scanner) where it says `# @generated`. */
export function renderCompletion(shell: CompletionShell, data: CompletionData): string {
	const prefix = functionPrefix(data.program);
	const generated = {
		bash: () => [posixLookups(data, prefix), shellFile('scan.bash', data.program)],
		zsh: () => [
			posixLookups(data, prefix),
			`${prefix}_descriptions=(${data.commands.map(command => single(`${command.name.replaceAll(':', String.raw`\:`)}:${command.usage}`)).join(' ')})`,
			shellFile('scan.bash', data.program),
		],
		fish: () => [fishLookups(data, `_${prefix}`)],
	}[shell]();
	return shellFile(`machinist.${shell}`, data.program).replace(/^# @generated\b.*$/m, () => generated.join('\n').trimEnd());
}
