import {readFileSync} from 'node:fs';
import path from 'node:path';
import {MachinistError} from '../engine/index.js';

/**
 * How `env` prints variables for one shell. docker-machine's table (reference §1.4 env) gives
 * prefix/delimiter/suffix per shell; values are emitted raw there, which breaks on quotes and `$`
 * in paths, so each renderer also escapes what its quoting needs (a no-op for ordinary values,
 * keeping the output byte-identical).
 */
export type ShellRenderer = {
	name: ShellName;
	set(name: string, value: string): string;
	unset(name: string): string;
	comment: string;
	/** The command that applies this output, given the command line that printed it. */
	hint(commandLine: string): string;
};

export const shellNames = ['bash', 'cmd', 'emacs', 'fish', 'nushell', 'powershell', 'sh', 'tcsh', 'zsh'] as const;
export type ShellName = (typeof shellNames)[number];

const escapeFor = (characters: RegExp, escape: string) => (value: string) => value.replace(characters, match => `${escape}${match}`);
const escapePosix = escapeFor(/["\\$`]/g, '\\');
const escapeFish = escapeFor(/["\\$]/g, '\\');
const escapeElisp = escapeFor(/["\\]/g, '\\');

/**
 * PowerShell double-quoted: backtick escapes `$`, backtick and every quote PowerShell accepts
 * (it takes the typographic ones too); line breaks become escapes, because `| Invoke-Expression`
 * runs each line on its own and a quoted line break would end the string mid-way.
 */
function escapePowershell(value: string): string {
	return value
		.replaceAll(/["`$\u201C\u201D\u201E]/g, match => `\`${match}`)
		.replaceAll('\r', '`r')
		.replaceAll('\n', '`n');
}

/**
 * tcsh double quotes still expand `$` and backticks and cannot escape them, so those (and the
 * quote itself, backslash and line breaks) go in single-quoted pieces; `!` (history) is
 * escaped outside quotes. Ordinary values stay in plain double quotes, as docker-machine printed.
 */
function quoteTcsh(value: string): string {
	const pieces = value.replaceAll(/["$`\\\n\r]+|!/g, match => (match === '!' ? String.raw`"\!"` : `"'${match}'"`));
	return `"${pieces}"`.replaceAll('""', '');
}

/**
 * cmd has no escape that works both where `SET` reads the line and where `FOR /f` re-reads it,
 * so `"`, `%`, `!` and line breaks cannot be passed safely: such a value is refused. `&|<>^()`
 * are safe inside `SET "NAME=value"`.
 */
function setCmd(variable: string, value: string): string {
	const unsafe = /["%!\r\n]/.exec(value);
	if (unsafe) {
		throw new MachinistError(`Error: ${variable} contains ${JSON.stringify(unsafe[0])}, which cmd cannot take safely: use --shell powershell`);
	}

	return /[&|<>^()]/.test(value) ? `SET "${variable}=${value}"\n` : `SET ${variable}=${value}\n`;
}

function posix(name: ShellName): ShellRenderer {
	return {
		name,
		set: (variable, value) => `export ${variable}="${escapePosix(value)}"\n`,
		unset: variable => `unset ${variable}\n`,
		comment: '#',
		hint: commandLine => `eval $(${commandLine})`,
	};
}

const renderers: Record<ShellName, ShellRenderer> = {
	sh: posix('sh'),
	bash: posix('bash'),
	zsh: posix('zsh'),
	fish: {
		name: 'fish',
		set: (variable, value) => `set -gx ${variable} "${escapeFish(value)}";\n`,
		unset: variable => `set -e ${variable};\n`,
		comment: '#',
		hint: commandLine => `eval (${commandLine})`,
	},
	powershell: {
		name: 'powershell',
		set: (variable, value) => `$Env:${variable} = "${escapePowershell(value)}"\n`,
		unset: variable => `Remove-Item Env:\\\\${variable}\n`,
		comment: '#',
		hint: commandLine => `& ${commandLine} | Invoke-Expression`,
	},
	cmd: {
		name: 'cmd',
		set: setCmd,
		unset: variable => `SET ${variable}=\n`,
		comment: 'REM',
		hint: commandLine => `\t@FOR /f "tokens=*" %i IN ('${commandLine}') DO @%i`,
	},
	tcsh: {
		name: 'tcsh',
		set: (variable, value) => `setenv ${variable} ${quoteTcsh(value)};\n`,
		unset: variable => `unsetenv ${variable};\n`,
		comment: ':',
		hint: commandLine => `eval \`${commandLine}\``,
	},
	emacs: {
		name: 'emacs',
		set: (variable, value) => `(setenv "${variable}" "${escapeElisp(value)}")\n`,
		unset: variable => `(setenv "${variable}" nil)\n`,
		comment: ';;',
		hint: commandLine => `(with-temp-buffer (shell-command "${commandLine}" (current-buffer)) (eval-buffer))`,
	},
	// Nushell has no eval: the hint parses the lines into a record and loads it.
	nushell: {
		name: 'nushell',
		set: (variable, value) => `$env.${variable} = ${JSON.stringify(value)}\n`,
		unset: variable => `hide-env ${variable}\n`,
		comment: '#',
		hint: commandLine => `${commandLine} | lines | parse '$env.{name} = "{value}"' | transpose --header-row --as-record | load-env`,
	},
};

/** Names people pass to --shell or have in $SHELL, mapped to a renderer. */
const aliases: Record<string, ShellName> = {
	sh: 'sh',
	bash: 'bash',
	zsh: 'zsh',
	dash: 'sh',
	ash: 'sh',
	ksh: 'sh',
	mksh: 'sh',
	yash: 'sh',
	fish: 'fish',
	powershell: 'powershell',
	pwsh: 'powershell',
	cmd: 'cmd',
	tcsh: 'tcsh',
	// docker-machine gave csh POSIX lines, which csh cannot run.
	csh: 'tcsh',
	emacs: 'emacs',
	nu: 'nushell',
	nushell: 'nushell',
};

export function rendererFor(shell: ShellName): ShellRenderer {
	return renderers[shell];
}

/** The renderer for an explicit `--shell` value; an unknown name is an error, not a guess. */
export function shellFromFlag(value: string): ShellName {
	const shell = aliases[value.toLowerCase().replace(/\.exe$/, '')];
	if (!shell) {
		throw new MachinistError(`Error: Unknown shell "${value}": use --shell with one of ${shellNames.join(', ')}`);
	}

	return shell;
}

function readParentCommand(): string | undefined {
	try {
		return readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim();
	} catch {
		return undefined;
	}
}

/**
 * The user's shell: the basename of $SHELL (fish when fish exported __fish_bin_dir), else the
 * parent process's name, else POSIX. docker-machine failed with "Unknown shell" when $SHELL was
 * empty; POSIX lines are what such environments (containers, CI) can run.
 */
export function detectShell(env: NodeJS.ProcessEnv = process.env, parentCommand: () => string | undefined = readParentCommand): ShellName {
	if (env.__fish_bin_dir) return 'fish';
	const fromShellVariable = env.SHELL ? aliases[path.basename(env.SHELL).toLowerCase()] : undefined;
	if (fromShellVariable) return fromShellVariable;
	if (env.SHELL) return 'sh';
	const parent = parentCommand();
	return (parent ? aliases[parent.toLowerCase().replace(/\.exe$/, '')] : undefined) ?? 'sh';
}

export type EnvVariables = ReadonlyArray<readonly [name: string, value: string]>;

/** The lines `env` prints to set the variables, then the two hint lines. */
export function renderSetEnv(shell: ShellName, variables: EnvVariables, commandLine: string): string {
	const renderer = renderers[shell];
	return variables.map(([name, value]) => renderer.set(name, value)).join('') + renderHint(renderer, commandLine);
}

export function renderUnsetEnv(shell: ShellName, names: readonly string[], commandLine: string): string {
	const renderer = renderers[shell];
	return names.map(name => renderer.unset(name)).join('') + renderHint(renderer, commandLine);
}

function renderHint(renderer: ShellRenderer, commandLine: string): string {
	// The trailing space after the colon is docker-machine's, kept for byte-compatibility.
	return `${renderer.comment} Run this command to configure your shell: \n${renderer.comment} ${renderer.hint(commandLine)}\n`;
}
