import {MachinistError, type OptionSpec, type OptionValue, parseOptionText} from '../engine/index.js';

export type ParsedArgs = {
	/** Values of the flags given on the command line (not env vars or defaults). */
	flags: Record<string, OptionValue>;
	positionals: string[];
	help: boolean;
};

export type ParseSettings = {
	/** For error messages: `ls`, `create`, or '' for the global flags. */
	commandName: string;
	program: string;
	/** Stop at the first positional and leave the rest untouched (global flags; `ssh`). */
	stopAtPositional?: boolean;
};

function findSpec(specs: readonly OptionSpec[], name: string): OptionSpec | undefined {
	return specs.find(spec => spec.name === name || spec.short === name);
}

/**
 * Parses flags the way docker-machine users type them: Go's flag syntax (`-name` and `--name`,
 * `=value` or a separate value, booleans without a value) with one fix: flags may also follow
 * positional arguments (`rm NAME -y`), until a literal `--`.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], settings: ParseSettings): ParsedArgs {
	const flags: Record<string, OptionValue> = {};
	const positionals: string[] = [];
	let help = false;
	const where = settings.commandName ? ` for "${settings.commandName}"` : '';
	const helpCommand = settings.commandName ? `${settings.program} ${settings.commandName} --help` : `${settings.program} --help`;
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index]!;
		if (argument === '--') {
			positionals.push(...argv.slice(index + 1));
			break;
		}

		if (!argument.startsWith('-') || argument === '-') {
			if (settings.stopAtPositional) {
				positionals.push(...argv.slice(index));
				break;
			}

			positionals.push(argument);
			continue;
		}

		const body = argument.replace(/^--?/, '');
		const equals = body.indexOf('=');
		const name = equals === -1 ? body : body.slice(0, equals);
		if (name === 'help' || name === 'h') {
			help = true;
			continue;
		}

		const spec = findSpec(specs, name);
		if (!spec) {
			throw new MachinistError(`Error: unknown flag ${argument.split('=')[0]}${where}; run "${helpCommand}" for the flags it takes`);
		}

		let text: string;
		if (equals !== -1) {
			text = body.slice(equals + 1);
		} else if (spec.type === 'bool') {
			text = 'true';
		} else {
			const next = argv[index + 1];
			if (next === undefined) {
				throw new MachinistError(`Error: flag --${spec.name} needs a value; run "${helpCommand}" for its use`);
			}

			text = next;
			index++;
		}

		const value = parseOptionText(spec, text, `--${spec.name}`);
		if (spec.type === 'string-list') {
			const previous = flags[spec.name];
			flags[spec.name] = [...(Array.isArray(previous) ? previous : []), ...(value as string[])];
		} else {
			flags[spec.name] = value;
		}
	}

	return {flags, positionals, help};
}
