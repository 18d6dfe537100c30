/** Go's fmt verbs for print, printf and println: %v %d %s %q %x %f %e %g … with flags, width, precision. */

import {canBackquote, formatFloat, goQuote, isPrint, quoteRune, runeString} from './strconv.js';
import {isNil, kindOf, sortedKeys, typeName} from './values.js';

type FormatSpec = {
	verb: string;
	minus: boolean;
	plus: boolean;
	sharp: boolean;
	zero: boolean;
	space: boolean;
	width: number | undefined;
	precision: number | undefined;
};

function plainSpec(verb = 'v'): FormatSpec {
	return {verb, minus: false, plus: false, sharp: false, zero: false, space: false, width: undefined, precision: undefined};
}

/** `%v` of one value, as fmt.Sprint prints it. */
export function formatValue(value: unknown): string {
	return formatArg(value, plainSpec(), false);
}

/** fmt.Sprint: operands are separated by a space when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
	let result = '';
	for (const [position, arg] of args.entries()) {
		if (position > 0 && typeof arg !== 'string' && typeof args[position - 1] !== 'string') result += ' ';
		result += formatValue(arg);
	}

	return result;
}

/** Go's limit on widths and precisions, beyond which a number in a format is nonsense. */
const maxFormatNumber = 1e6;

export function sprintf(format: string, args: readonly unknown[]): string {
	let result = '';
	let argIndex = 0;
	let pos = 0;
	const end = format.length;
	/** A width or precision taken from the arguments by '*'. */
	const numberFromArgs = (): number | undefined => {
		if (argIndex >= args.length) return undefined;
		const value = args[argIndex++];
		return kindOf(value) === 'int' && Math.abs(value as number) <= maxFormatNumber ? (value as number) : undefined;
	};

	const parseDigits = (): number | undefined => {
		let value: number | undefined;
		for (; pos < end && format[pos]! >= '0' && format[pos]! <= '9'; pos++) {
			if ((value ?? 0) > maxFormatNumber) {
				pos = end;
				return undefined;
			}

			value = (value ?? 0) * 10 + Number(format[pos]);
		}

		return value;
	};

	while (pos < end) {
		const percent = format.indexOf('%', pos);
		if (percent === -1) {
			result += format.slice(pos);
			break;
		}

		result += format.slice(pos, percent);
		pos = percent + 1;
		const spec = plainSpec('');
		for (; pos < end; pos++) {
			const flag = format[pos];
			if (flag === '#') spec.sharp = true;
			else if (flag === '0') spec.zero = !spec.minus;
			else if (flag === '+') spec.plus = true;
			else if (flag === ' ') spec.space = true;
			else if (flag === '-') {
				spec.minus = true;
				spec.zero = false;
			} else break;
		}

		if (format[pos] === '*') {
			pos++;
			spec.width = numberFromArgs();
			if (spec.width === undefined) {
				result += '%!(BADWIDTH)';
			} else if (spec.width < 0) {
				spec.width = -spec.width;
				spec.minus = true;
				spec.zero = false;
			}
		} else {
			spec.width = parseDigits();
		}

		if (pos + 1 < end && format[pos] === '.') {
			pos++;
			if (format[pos] === '*') {
				pos++;
				spec.precision = numberFromArgs();
				if (spec.precision !== undefined && spec.precision < 0) spec.precision = undefined;
				if (spec.precision === undefined) result += '%!(BADPREC)';
			} else {
				spec.precision = parseDigits() ?? 0;
			}
		}

		if (pos >= end) {
			result += '%!(NOVERB)';
			break;
		}

		spec.verb = String.fromCodePoint(format.codePointAt(pos)!);
		pos += spec.verb.length;
		if (spec.verb === '%') {
			result += '%';
		} else if (argIndex >= args.length) {
			result += `%!${spec.verb}(MISSING)`;
		} else {
			if (spec.verb === 'v') {
				// Go spends these on %+v and %#v, which print struct field names and Go syntax.
				spec.plus = false;
				spec.sharp = false;
			}

			result += formatArg(args[argIndex++], spec, false);
		}
	}

	if (argIndex < args.length) {
		const extra = args.slice(argIndex).map(arg => (isNil(arg) ? '<nil>' : `${typeName(arg)}=${formatValue(arg)}`));
		result += `%!(EXTRA ${extra.join(', ')})`;
	}

	return result;
}

/** One operand of Go's fmt; `nested` inside a slice or map, where a nil prints whatever the verb. */
function formatArg(value: unknown, spec: FormatSpec, nested: boolean): string {
	const {verb} = spec;
	if (verb === 'T') return padString(truncate(typeName(value), spec), spec);
	const kind = kindOf(value);
	switch (kind) {
		case 'nil': {
			return verb === 'v' || nested ? padString('<nil>', spec) : badVerb(value, spec);
		}

		case 'bool': {
			return verb === 'v' || verb === 't' ? padString(String(value), spec) : badVerb(value, spec);
		}

		case 'int':
		case 'float': {
			return formatNumber(value as number, kind, spec);
		}

		case 'string': {
			return formatString(value as string, spec);
		}

		case 'slice': {
			return `[${(value as unknown[]).map(element => formatArg(element, spec, true)).join(' ')}]`;
		}

		case 'map': {
			const map = value as Record<string, unknown>;
			return `map[${sortedKeys(map)
				.map(key => `${formatArg(key, spec, true)}:${formatArg(map[key], spec, true)}`)
				.join(' ')}]`;
		}

		case 'struct': {
			return `{${Object.values(value as object)
				.map(field => formatArg(field, spec, true))
				.join(' ')}}`;
		}

		default: {
			// Not JSON-like data: Go would show a function's address, which says nothing either.
			return `%!${verb}(${typeName(value)})`;
		}
	}
}

function badVerb(value: unknown, spec: FormatSpec): string {
	if (isNil(value)) return `%!${spec.verb}(<nil>)`;
	return `%!${spec.verb}(${typeName(value)}=${formatArg(value, {...spec, verb: 'v'}, false)})`;
}

function codePointCount(text: string): number {
	let count = 0;
	for (const _ of text) count++;
	return count;
}

/** Go pads with zeros on the left when asked to, even strings. */
function padString(text: string, spec: FormatSpec, zero = spec.zero): string {
	const missing = (spec.width ?? 0) - codePointCount(text);
	if (missing <= 0) return text;
	const padding = (zero ? '0' : ' ').repeat(missing);
	return spec.minus ? text + padding : padding + text;
}

function truncate(text: string, spec: FormatSpec): string {
	if (spec.precision === undefined) return text;
	return [...text].slice(0, spec.precision).join('');
}

function formatString(text: string, spec: FormatSpec): string {
	switch (spec.verb) {
		case 'v':
		case 's': {
			return padString(truncate(text, spec), spec);
		}

		case 'q': {
			const shown = truncate(text, spec);
			if (spec.sharp && canBackquote(shown)) return padString(`\`${shown}\``, spec);
			return padString(goQuote(shown, spec.plus), spec);
		}

		case 'x':
		case 'X': {
			let bytes = [...Buffer.from(text)];
			if (spec.precision !== undefined) bytes = bytes.slice(0, spec.precision);
			if (bytes.length === 0) return padString('', spec);
			const prefix = spec.sharp ? `0${spec.verb}` : '';
			const hex = bytes.map(byte => byte.toString(16).padStart(2, '0')).map(digits => (spec.verb === 'X' ? digits.toUpperCase() : digits));
			return padString(spec.space ? hex.map(digits => prefix + digits).join(' ') : prefix + hex.join(''), spec);
		}

		default: {
			return badVerb(text, spec);
		}
	}
}

function formatNumber(value: number, kind: 'int' | 'float', spec: FormatSpec): string {
	switch (spec.verb) {
		case 'v': {
			return kind === 'int' ? formatInteger(value, spec) : formatFloatSpec(value, 'g', -1, spec);
		}

		case 'd':
		case 'b':
		case 'o':
		case 'O':
		case 'x':
		case 'X': {
			return kind === 'int' ? formatInteger(value, spec) : badVerb(value, spec);
		}

		case 'U': {
			if (kind !== 'int') return badVerb(value, spec);
			let text = `U+${Math.abs(value)
				.toString(16)
				.toUpperCase()
				.padStart(Math.max(spec.precision ?? 4, 4), '0')}`;
			if (value < 0) text = `U+${(BigInt(value) & 0xff_ff_ff_ff_ff_ff_ff_ffn).toString(16).toUpperCase()}`;
			else if (spec.sharp && value <= 0x10_ff_ff && isPrint(runeString(value))) text += ` '${runeString(value)}'`;
			return padString(text, spec, false);
		}

		case 'c': {
			return kind === 'int' ? padString(runeString(value), spec) : badVerb(value, spec);
		}

		case 'q': {
			return kind === 'int' ? padString(quoteRune(value, spec.plus), spec) : badVerb(value, spec);
		}

		case 'e':
		case 'E':
		case 'f':
		case 'F': {
			return formatFloatSpec(value, spec.verb, 6, spec);
		}

		case 'g':
		case 'G': {
			return formatFloatSpec(value, spec.verb, -1, spec);
		}

		default: {
			return badVerb(value, spec);
		}
	}
}

const integerBases: Readonly<Record<string, number>> = {b: 2, o: 8, O: 8, x: 16, X: 16};

function formatInteger(value: number, spec: FormatSpec): string {
	const negative = value < 0;
	const base = integerBases[spec.verb] ?? 10;
	let digits = Math.abs(value).toString(base);
	if (spec.verb === 'X') digits = digits.toUpperCase();
	let precision = 0;
	if (spec.precision !== undefined) {
		// An explicit zero precision prints zero as nothing at all.
		if (spec.precision === 0 && value === 0) return ' '.repeat(spec.width ?? 0);
		precision = spec.precision;
	} else if (spec.zero && spec.width !== undefined) {
		precision = spec.width - (negative || spec.plus || spec.space ? 1 : 0);
	}

	digits = digits.padStart(precision, '0');
	if (spec.sharp && base === 16) digits = `0${spec.verb}${digits}`;
	else if (spec.sharp && base === 2) digits = `0b${digits}`;
	else if (spec.sharp && base === 8 && !digits.startsWith('0')) digits = `0${digits}`;
	if (spec.verb === 'O') digits = `0o${digits}`;
	const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
	return padString(sign + digits, spec, false);
}

function formatFloatSpec(value: number, verb: string, defaultPrecision: number, spec: FormatSpec): string {
	let number = formatFloat(value, verb, spec.precision ?? defaultPrecision);
	if (!number.startsWith('-') && !number.startsWith('+')) number = `+${number}`;
	if (spec.space && number.startsWith('+') && !spec.plus) number = ` ${number.slice(1)}`;
	if (/^.(Inf|NaN)$/.test(number)) {
		if (number.endsWith('NaN') && !spec.space && !spec.plus) number = 'NaN';
		return padString(number, spec, false);
	}

	if (spec.plus || !number.startsWith('+')) {
		// Zeros go between the sign and the digits.
		if (spec.zero && spec.width !== undefined && spec.width > number.length) return number[0] + '0'.repeat(spec.width - number.length) + number.slice(1);
		return padString(number, spec, false);
	}

	return padString(number.slice(1), spec);
}
