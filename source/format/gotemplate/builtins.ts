/** Go's built-in template functions, and docker's json/prettyjson/join/split/upper/lower/title. */

import {formatValue, sprint, sprintf} from './fmt.js';
import {formatFloat} from './strconv.js';
import {isNil, isTrue, kindOf, typeName} from './values.js';

export type Builtin = {
	readonly min: number;
	readonly max: number;
	/** Positions of the string parameters, which the executor checks before the call. */
	readonly strings?: readonly number[];
	readonly call: (...args: unknown[]) => unknown;
};

const variadic = Number.POSITIVE_INFINITY;

/** Not in `builtins`: evaluated in the executor, which can skip the arguments they do not need. */
export const shortCircuits = new Set(['and', 'or']);

export const builtins: Readonly<Record<string, Builtin>> = {
	not: {min: 1, max: 1, call: value => !isTrue(value)},
	len: {min: 1, max: 1, call: length},
	index: {min: 1, max: variadic, call: index},
	slice: {min: 1, max: variadic, call: slice},
	print: {min: 0, max: variadic, call: (...args) => sprint(args)},
	printf: {min: 1, max: variadic, strings: [0], call: (format, ...args) => sprintf(format as string, args)},
	println: {min: 0, max: variadic, call: (...args) => `${args.map(arg => formatValue(arg)).join(' ')}\n`},
	eq: {min: 1, max: variadic, call: (first, ...others) => equal(first, others)},
	ne: {min: 2, max: 2, call: (a, b) => !equal(a, [b])},
	lt: {min: 2, max: 2, call: lessThan},
	le: {min: 2, max: 2, call: (a, b) => lessThan(a, b) || equal(a, [b])},
	gt: {min: 2, max: 2, call: (a, b) => !(lessThan(a, b) || equal(a, [b]))},
	ge: {min: 2, max: 2, call: (a, b) => !lessThan(a, b)},
	json: {min: 1, max: 1, call: value => toJson(value, '', new Set())},
	prettyjson: {min: 1, max: 1, call: value => toJson(value, '    ', new Set())},
	join: {min: 2, max: 2, strings: [1], call: (list, separator) => join(list, separator as string)},
	split: {
		min: 2,
		max: 2,
		strings: [0, 1],
		call: (text, separator) => (separator === '' ? [...(text as string)] : (text as string).split(separator as string)),
	},
	upper: {min: 1, max: 1, strings: [0], call: text => (text as string).toUpperCase()},
	lower: {min: 1, max: 1, strings: [0], call: text => (text as string).toLowerCase()},
	title: {min: 1, max: 1, strings: [0], call: text => title(text as string)},
};

function length(value: unknown): number {
	switch (kindOf(value)) {
		case 'nil': {
			throw new Error('len of nil pointer');
		}

		case 'string': {
			return Buffer.byteLength(value as string);
		}

		case 'slice': {
			return (value as unknown[]).length;
		}

		case 'map': {
			return Object.keys(value as object).length;
		}

		default: {
			throw new Error(`len of type ${typeName(value)}`);
		}
	}
}

function indexArgument(value: unknown, limit: number): number {
	if (isNil(value)) throw new Error('cannot index slice/array with nil');
	if (kindOf(value) !== 'int') throw new Error(`cannot index slice/array with type ${typeName(value)}`);
	const position = value as number;
	if (position < 0 || position > limit) throw new Error(`index out of range: ${position}`);
	return position;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
	if (isNil(item)) throw new Error('index of untyped nil');
	let value: unknown = item;
	for (const key of indexes) {
		if (isNil(value)) throw new Error('index of nil pointer');
		const kind = kindOf(value);
		if (kind === 'slice' || kind === 'string') {
			const sequence = kind === 'string' ? Buffer.from(value as string) : (value as unknown[]);
			const position = indexArgument(key, sequence.length);
			if (position === sequence.length) throw new Error(`index out of range: ${position}`);
			value = sequence[position];
		} else if (kind === 'map') {
			if (typeof key !== 'string')
				throw new Error(isNil(key) ? 'value is nil; should be of type string' : `value has type ${typeName(key)}; should be string`);
			value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
		} else {
			throw new Error(`can't index item of type ${typeName(value)}`);
		}
	}

	return value;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
	if (isNil(item)) throw new Error('slice of untyped nil');
	if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
	const kind = kindOf(item);
	if (kind === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
	if (kind !== 'string' && kind !== 'slice') throw new Error(`can't slice item of type ${typeName(item)}`);
	const sequence = kind === 'string' ? Buffer.from(item as string) : (item as unknown[]);
	const bounds = [0, sequence.length];
	for (const [position, value] of indexes.entries()) bounds[position] = indexArgument(value, sequence.length);
	for (let position = 1; position < Math.max(indexes.length, 2); position++) {
		if (bounds[position - 1]! > bounds[position]!) throw new Error(`invalid slice index: ${bounds[position - 1]} > ${bounds[position]}`);
	}

	const part = sequence.slice(bounds[0], bounds[1]);
	return Buffer.isBuffer(part) ? part.toString() : part;
}

/** Go compares only basic kinds, and nil with anything; numbers here compare whatever their kind. */
function basicKind(value: unknown): 'bool' | 'number' | 'string' | undefined {
	switch (typeof value) {
		case 'boolean': {
			return 'bool';
		}

		case 'number': {
			return 'number';
		}

		case 'string': {
			return 'string';
		}

		default: {
			return undefined;
		}
	}
}

function equal(first: unknown, others: readonly unknown[]): boolean {
	if (others.length === 0) throw new Error('missing argument for comparison');
	const firstKind = basicKind(first);
	for (const other of others) {
		const otherKind = basicKind(other);
		let truth: boolean;
		if (firstKind !== otherKind) {
			if (!isNil(first) && !isNil(other)) throw new Error('incompatible types for comparison');
			truth = false;
		} else if (firstKind) {
			truth = first === other;
		} else if (isNil(first) || isNil(other)) {
			truth = isNil(first) && isNil(other);
		} else if (kindOf(first) === kindOf(other)) {
			// Go's own format strings, whose %s shows numbers inside the values as bad verbs.
			throw new Error(sprintf('non-comparable type %s: %v', [other, typeName(other)]));
		} else {
			throw new Error(sprintf('non-comparable types %s: %v, %s: %v', [first, typeName(first), typeName(other), other]));
		}

		if (truth) return true;
	}

	return false;
}

function lessThan(a: unknown, b: unknown): boolean {
	const kind = basicKind(a);
	const otherKind = basicKind(b);
	if (!kind || !otherKind) throw new Error('invalid type for comparison');
	if (kind !== otherKind) throw new Error('incompatible types for comparison');
	if (kind === 'bool') throw new Error('invalid type for comparison');
	return (a as number | string) < (b as number | string);
}

/** Like docker's join, but any list: elements that are not strings are printed as by `print`. */
function join(list: unknown, separator: string): string {
	if (isNil(list)) return '';
	if (!Array.isArray(list)) throw new Error(`wrong type for value; expected []string; got ${typeName(list)}`);
	return list.map(element => formatValue(element)).join(separator);
}

/** Go's deprecated strings.Title, which docker's `title` is: the first letter of each word upper-cased. */
function title(text: string): string {
	let previous = ' ';
	let result = '';
	for (const char of text) {
		const upper = char.toUpperCase();
		// A letter without a single-letter upper case, such as ß, has no title case in Go either.
		result += isWordSeparator(previous) && [...upper].length === 1 ? upper : char;
		previous = char;
	}

	return result;
}

function isWordSeparator(char: string): boolean {
	if (char.charCodeAt(0) < 0x80) return !/[\dA-Za-z_]/.test(char);
	if (/[\p{L}\p{Nd}]/u.test(char)) return false;
	return /\s/u.test(char);
}

/** Go's encoding/json: HTML-safe strings, and objects in their own key order. */
function toJson(value: unknown, indent: string, seen: Set<object>, prefix = ''): string {
	switch (kindOf(value)) {
		case 'nil': {
			return 'null';
		}

		case 'bool': {
			return String(value);
		}

		case 'int':
		case 'float': {
			const number = value as number;
			if (!Number.isFinite(number)) throw new Error(`json: unsupported value: ${formatFloat(number, 'g', -1)}`);
			return JSON.stringify(number);
		}

		case 'string': {
			return jsonQuote(value as string);
		}

		case 'slice':
		case 'map':
		case 'struct': {
			const object = value as object;
			if (seen.has(object)) throw new Error(`json: unsupported value: encountered a cycle via ${typeName(object)}`);
			seen.add(object);
			const inner = prefix + indent;
			const separator = indent ? `,\n${inner}` : ',';
			const entries = Array.isArray(object)
				? object.map(element => toJson(element, indent, seen, inner))
				: Object.entries(object).map(([key, element]) => `${jsonQuote(key)}:${indent ? ' ' : ''}${toJson(element, indent, seen, inner)}`);
			seen.delete(object);
			const [open, close] = Array.isArray(object) ? ['[', ']'] : ['{', '}'];
			if (entries.length === 0) return open + close;
			return indent ? `${open}\n${inner}${entries.join(separator)}\n${prefix}${close}` : open + entries.join(separator) + close;
		}

		default: {
			throw new Error(`json: unsupported type: ${typeName(value)}`);
		}
	}
}

function jsonQuote(text: string): string {
	let result = '"';
	for (const char of text) {
		const code = char.codePointAt(0)!;
		if (char === '"' || char === '\\') result += `\\${char}`;
		else if (char === '\n') result += String.raw`\n`;
		else if (char === '\r') result += String.raw`\r`;
		else if (char === '\t') result += String.raw`\t`;
		else if (code < 0x20 || char === '<' || char === '>' || char === '&' || code === 0x20_28 || code === 0x20_29)
			result += String.raw`\u${code.toString(16).padStart(4, '0')}`;
		// A lone surrogate is not text; Go would hold the replacement character in its place.
		else if (code >= 0xd8_00 && code < 0xe0_00) result += String.raw`\ufffd`;
		else result += char;
	}

	return `${result}"`;
}
