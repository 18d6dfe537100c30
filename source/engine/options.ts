// Options as data (name, type, env var, default, validation): flags, help and the app's forms.
import {MachinistError} from './errors.js';

/**
 * Options are data: one description serves the CLI flags, `create -d X --help`, env-var
 * fallbacks and the TUI's create form.
 */
export type OptionType = 'string' | 'int' | 'bool' | 'string-list';

export type OptionValue = string | number | boolean | string[];

export type OptionSpec = {
	/** The flag without dashes, e.g. `generic-ip-address`. */
	name: string;
	type: OptionType;
	description: string;
	envVar?: string;
	default?: OptionValue;
	/** A value is needed; the message says how to give it. */
	required?: string;
	/** Folded away in the TUI form; still a normal flag. */
	advanced?: boolean;
	/** One letter, for the few shared flags docker-machine gives a short form (`-d`). */
	short?: string;
	/** Returns a one-line problem with the value, naming the flag, or undefined when it is fine. */
	validate?: (value: OptionValue) => string | undefined;
	/** What kind of text the value is, so forms can check it as it is typed. */
	format?: 'url' | 'ip' | 'port' | 'file' | 'machine-name';
};

export type OptionValues = Readonly<Record<string, OptionValue | undefined>>;

const trueWords = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falseWords = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool, which docker-machine uses for flag values and env vars. */
export function parseGoBool(text: string): boolean | undefined {
	if (trueWords.has(text)) return true;
	if (falseWords.has(text)) return false;
	return undefined;
}

export function defaultValue(spec: OptionSpec): OptionValue {
	if (spec.default !== undefined) return Array.isArray(spec.default) ? [...spec.default] : spec.default;
	switch (spec.type) {
		case 'bool': {
			return false;
		}

		case 'int': {
			return 0;
		}

		case 'string-list': {
			return [];
		}

		default: {
			return '';
		}
	}
}

/** Turns the text of a flag (or env var) into the option's typed value. */
export function parseOptionText(spec: OptionSpec, text: string, source: string): OptionValue {
	switch (spec.type) {
		case 'bool': {
			const value = parseGoBool(text);
			if (value === undefined) throw new MachinistError(`invalid boolean value "${text}" for ${source}: use true or false`);
			return value;
		}

		case 'int': {
			if (!/^[+-]?\d+$/.test(text.trim())) throw new MachinistError(`invalid value "${text}" for ${source}: expected a whole number`);
			return Number.parseInt(text, 10);
		}

		case 'string-list': {
			return [text];
		}

		default: {
			return text;
		}
	}
}

/**
 * Fills values not given on the command line from env vars (as docker-machine does: booleans
 * that do not parse are ignored, lists are comma-separated), then defaults.
 */
export function resolveOptions(specs: readonly OptionSpec[], given: OptionValues, env: NodeJS.ProcessEnv): Record<string, OptionValue> {
	const resolved: Record<string, OptionValue> = {};
	for (const spec of specs) {
		const value = given[spec.name];
		if (value !== undefined) {
			resolved[spec.name] = value;
			continue;
		}

		const fromEnv = spec.envVar ? env[spec.envVar] : undefined;
		if (fromEnv !== undefined && fromEnv !== '') {
			if (spec.type === 'string-list') {
				resolved[spec.name] = fromEnv
					.split(',')
					.map(item => item.trim())
					.filter(item => item !== '');
				continue;
			}

			if (spec.type === 'bool') {
				resolved[spec.name] = parseGoBool(fromEnv) ?? defaultValue(spec);
				continue;
			}

			resolved[spec.name] = parseOptionText(spec, fromEnv, `$${spec.envVar}`);
			continue;
		}

		resolved[spec.name] = defaultValue(spec);
	}

	return resolved;
}

/** Checks required options and per-option validation, failing on the first problem. */
export function checkOptions(specs: readonly OptionSpec[], values: Readonly<Record<string, OptionValue>>): void {
	for (const spec of specs) {
		const value = values[spec.name];
		const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
		if (empty) {
			if (spec.required) throw new MachinistError(spec.required);
			continue;
		}

		const problem = spec.validate?.(value);
		if (problem) throw new MachinistError(problem);
	}
}

export function stringOption(values: Readonly<Record<string, OptionValue>>, name: string): string {
	const value = values[name];
	return typeof value === 'string' ? value : '';
}

export function intOption(values: Readonly<Record<string, OptionValue>>, name: string): number {
	const value = values[name];
	return typeof value === 'number' ? value : 0;
}

export function boolOption(values: Readonly<Record<string, OptionValue>>, name: string): boolean {
	return values[name] === true;
}

export function listOption(values: Readonly<Record<string, OptionValue>>, name: string): string[] {
	const value = values[name];
	return Array.isArray(value) ? value : [];
}
