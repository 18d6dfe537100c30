import type {OptionSpec} from '../engine/index.js';
import {version} from '../version.js';
import type {Command, CommandSummary} from './command.js';
import {globalOptionSpecs, helpOptionSpec, versionOptionSpec} from './globals.js';

function flagLabel(spec: OptionSpec): string {
	const names = [`--${spec.name}`, ...(spec.short ? [`-${spec.short}`] : [])].join(', ');
	if (spec.type === 'bool') return names;
	if (spec.type === 'string-list') return `${names} [--${spec.name} option --${spec.name} option]`;
	const fallback = spec.default;
	return fallback === undefined || fallback === '' ? names : `${names} "${String(fallback)}"`;
}

/** Flag list in codegangsta/cli's layout: label, description, then the env var in brackets. */
export function renderFlags(specs: readonly OptionSpec[]): string {
	const rows = specs.map(spec => [flagLabel(spec), spec.description + (spec.envVar ? ` [$${spec.envVar}]` : '')] as const);
	const width = Math.max(0, ...rows.map(([label]) => label.length));
	return rows.map(([label, description]) => `   ${label.padEnd(width)}   ${description}\n`).join('');
}

export function renderCommandHelp(program: string, summary: CommandSummary, command: Command, flags: readonly OptionSpec[]): string {
	const sorted = [...flags].sort((a, b) => a.name.localeCompare(b.name));
	let text = `Usage: ${program} ${summary.name} [OPTIONS] ${command.argsUsage ?? '[arg...]'}\n\n${summary.usage}\n`;
	if (command.description) text += `\nDescription:\n   ${command.description.replaceAll('\n', '\n   ')}\n`;
	if (sorted.length > 0) text += `\nOptions:\n\n${renderFlags(sorted)}`;
	return `${text}\n`;
}

export function renderAppHelp(program: string, commands: readonly CommandSummary[]): string {
	const width = Math.max(...commands.map(command => command.name.length));
	const helpFlags = [...globalOptionSpecs, helpOptionSpec, versionOptionSpec];
	return [
		`Usage: ${program} [OPTIONS] COMMAND [arg...]`,
		'',
		'Create and manage machines running Docker.',
		'',
		`Version: ${version}`,
		'',
		'Run without a command on a terminal to open the full-screen app.',
		'',
		'Options:',
		renderFlags(helpFlags).trimEnd(),
		'',
		'Commands:',
		...commands.map(command => `  ${command.name.padEnd(width)}\t\t${command.usage}`),
		'',
		`Run '${program} COMMAND --help' for more information on a command.`,
		'',
	].join('\n');
}
