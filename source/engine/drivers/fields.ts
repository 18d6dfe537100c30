// Reading a driver's stored config (a field may be missing, or written by another tool) and checking option values.
import path from 'node:path';
import {errorMessage} from '../errors.js';
import {intOption, stringOption, type OptionValue} from '../options.js';
import type {BaseDriverConfig} from '../store/host.js';

export function stringField(config: BaseDriverConfig, name: string, fallback = ''): string {
	const value = config[name];
	return typeof value === 'string' ? value : fallback;
}

export function numberField(config: BaseDriverConfig, name: string, fallback = 0): number {
	const value = config[name];
	return typeof value === 'number' ? value : fallback;
}

export function boolField(config: BaseDriverConfig, name: string): boolean {
	return config[name] === true;
}

export function listField(config: BaseDriverConfig, name: string): string[] {
	const value = config[name];
	return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The problem with a port given to `--FLAG`, or undefined when it is one. */
export function portProblem(flag: string, value: unknown): string | undefined {
	return Number(value) >= 1 && Number(value) <= 65_535 ? undefined : `--${flag} ${String(value)} is not a port: use 1-65535`;
}

/** A validator for an int option: the problem with a value below `minimum`. */
export function atLeast(flag: string, minimum: number) {
	return (value: unknown) => (Number(value) >= minimum ? undefined : `--${flag} ${String(value)} is too small: use at least ${minimum}`);
}

/** A validator from a parser that throws: the parser's message is the problem. */
export function thrownProblem(parse: (value: unknown) => unknown) {
	return (value: unknown) => {
		try {
			parse(value);
			return undefined;
		} catch (error) {
			return errorMessage(error);
		}
	};
}

/** A file option as an absolute path (the machine keeps working from any directory), or '' when not given. */
export function pathOption(values: Readonly<Record<string, OptionValue>>, name: string): string {
	const given = stringOption(values, name);
	return given ? path.resolve(given) : '';
}

/** The SSH login a cloud driver's `--PREFIX-ssh-user` and `--PREFIX-ssh-port` give. */
export function sshLoginOptions(values: Readonly<Record<string, OptionValue>>, prefix: string): {SSHUser: string; SSHPort: number} {
	return {SSHUser: stringOption(values, `${prefix}-ssh-user`), SSHPort: intOption(values, `${prefix}-ssh-port`)};
}
