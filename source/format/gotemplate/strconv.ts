/** Go's strconv: number and quoted literals, float formatting, quoting of strings and runes. */

/** Go's integer and float literal syntax; returns an error message when malformed. */
export function parseNumber(text: string): number | string {
	if (text.endsWith('i')) return `complex constant ${text} is not supported`;
	const negative = text.startsWith('-');
	const body = /^[+-]/.test(text) ? text.slice(1) : text;
	const illegal = `illegal number syntax: ${goQuote(text)}`;
	if (!underscoresSeparateDigits(body)) return illegal;
	const clean = body.replaceAll('_', '');
	let value: number;
	const hexFloat = /^0[xX]([\da-fA-F]*)(?:\.([\da-fA-F]*))?[pP]([+-]?\d+)$/.exec(clean);
	if (hexFloat) {
		const [, whole = '', fraction = '', exponent = ''] = hexFloat;
		if (whole + fraction === '') return illegal;
		value = (Number.parseInt(whole || '0', 16) + (fraction ? Number.parseInt(fraction, 16) / 16 ** fraction.length : 0)) * 2 ** Number(exponent);
	} else if (/^0([xX][\da-fA-F]+|[oO][0-7]+|[bB][01]+)$/.test(clean)) {
		value = Number(clean);
	} else if (/^0\d+$/.test(clean)) {
		if (!/^0[0-7]+$/.test(clean)) return illegal;
		value = Number.parseInt(clean, 8);
	} else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) {
		value = Number(clean);
	} else {
		return illegal;
	}

	return negative ? -value : value;
}

/** Underscores may only separate digits, or a base prefix from a digit. */
function underscoresSeparateDigits(body: string): boolean {
	const digit = /^0[xX]/.test(body) ? /[\da-fA-F]/ : /\d/;
	const digits = body.replace(/^0[xXoObB](?=_)/, '0');
	for (let pos = digits.indexOf('_'); pos >= 0; pos = digits.indexOf('_', pos + 1)) {
		if (!digit.test(digits[pos - 1] ?? '') || !digit.test(digits[pos + 1] ?? '')) return false;
	}

	return true;
}

export function parseCharConstant(text: string): number | string {
	const escape = readChar(text, 1, "'");
	if (!escape) return 'invalid syntax';
	if (escape.next !== text.length - 1) return `malformed character constant: ${text}`;
	return escape.value;
}

/** Go's strconv.Unquote for "..." and `...` literals; undefined when malformed. */
export function unquote(text: string): string | undefined {
	// Go drops carriage returns from raw strings, so a template reads the same whatever the line endings.
	if (text.startsWith('`')) return text.slice(1, -1).replaceAll('\r', '');
	const bytes: number[] = [];
	const encoder = new TextEncoder();
	for (let pos = 1; pos < text.length - 1;) {
		const char = readChar(text, pos, '"');
		if (!char) return undefined;
		if (char.byte) bytes.push(char.value);
		else bytes.push(...encoder.encode(String.fromCodePoint(char.value)));
		pos = char.next;
	}

	return new TextDecoder().decode(Uint8Array.from(bytes));
}

const simpleEscapes: Readonly<Record<string, number>> = {a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92};

/**
 * One possibly escaped character of a quoted literal. `\x` and octal escapes are bytes, which a
 * string decodes as UTF-8 together with the rest.
 */
function readChar(text: string, pos: number, quote: string): {value: number; byte: boolean; next: number} | undefined {
	const first = text.codePointAt(pos);
	if (first === undefined || String.fromCodePoint(first) === quote) return undefined;
	if (first !== 92) return {value: first, byte: false, next: pos + (first > 0xff_ff ? 2 : 1)};
	const letter = text[pos + 1] ?? '';
	const simple = simpleEscapes[letter];
	if (simple !== undefined) return {value: simple, byte: false, next: pos + 2};
	if (letter === quote) return {value: letter.charCodeAt(0), byte: false, next: pos + 2};
	const hexLength = {x: 2, u: 4, U: 8}[letter];
	if (hexLength !== undefined) {
		const digits = text.slice(pos + 2, pos + 2 + hexLength);
		if (!new RegExp(String.raw`^[\da-fA-F]{${hexLength}}$`).test(digits)) return undefined;
		const value = Number.parseInt(digits, 16);
		if (letter !== 'x' && (value > 0x10_ff_ff || (value >= 0xd8_00 && value < 0xe0_00))) return undefined;
		return {value, byte: letter === 'x', next: pos + 2 + hexLength};
	}

	const octal = text.slice(pos + 1, pos + 4);
	if (/^[0-7]{3}$/.test(octal) && Number.parseInt(octal, 8) < 256) return {value: Number.parseInt(octal, 8), byte: true, next: pos + 4};
	return undefined;
}

/** Decimal digits `digits` (no leading or trailing zeros) times 10^`point`, read as 0.digits. */
type Decimal = {readonly digits: string; readonly point: number};

/** The exact decimal value of a finite, non-negative double. */
function exactDecimal(value: number): Decimal {
	const view = new DataView(new ArrayBuffer(8));
	view.setFloat64(0, value);
	const bits = view.getBigUint64(0);
	const biasedExponent = Number((bits >> 52n) & 0x7_ffn);
	let mantissa = bits & ((1n << 52n) - 1n);
	let exponent = -1074;
	if (biasedExponent > 0) {
		mantissa |= 1n << 52n;
		exponent = biasedExponent - 1075;
	}

	if (mantissa === 0n) return {digits: '', point: 0};
	// m * 2^-k = m * 5^k / 10^k
	const digits = exponent >= 0 ? (mantissa << BigInt(exponent)).toString() : (mantissa * 5n ** BigInt(-exponent)).toString();
	const point = exponent >= 0 ? digits.length : digits.length + exponent;
	return {digits: digits.replace(/0+$/, ''), point};
}

/** Rounds to `count` digits, half to even, as Go's strconv does on the exact value. */
function roundDecimal(decimal: Decimal, count: number): Decimal {
	const {digits, point} = decimal;
	if (count < 0 || count >= digits.length) return decimal;
	const next = digits[count]!;
	const halfway = next === '5' && count + 1 === digits.length;
	const up = halfway ? count > 0 && Number(digits[count - 1]) % 2 === 1 : next >= '5';
	if (!up) {
		const kept = digits.slice(0, count).replace(/0+$/, '');
		return {digits: kept, point: kept ? point : 0};
	}

	let last = count - 1;
	while (last >= 0 && digits[last] === '9') last--;
	if (last < 0) return {digits: '1', point: point + 1};
	return {digits: digits.slice(0, last) + String(Number(digits[last]) + 1), point};
}

/**
 * strconv.FormatFloat for the 'e', 'f' and 'g' formats (any case). Precision -1, the shortest
 * representation that reads back exactly, is only used with 'g'.
 */
export function formatFloat(value: number, format: string, precision: number): string {
	if (Number.isNaN(value)) return 'NaN';
	if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
	const sign = value < 0 || Object.is(value, -0) ? '-' : '';
	const lower = format.toLowerCase();
	const shortest = precision < 0;
	let decimal: Decimal;
	let digitCount = precision;
	if (shortest) {
		const [mantissa = '', exponent = '0'] = Math.abs(value).toExponential().split('e');
		const digits = mantissa.replace('.', '').replace(/^0$/, '');
		decimal = {digits, point: digits ? Number(exponent) + 1 : 0};
		digitCount = digits.length;
	} else {
		const exact = exactDecimal(Math.abs(value));
		if (lower === 'g' && digitCount === 0) digitCount = 1;
		decimal = roundDecimal(exact, lower === 'e' ? digitCount + 1 : lower === 'f' ? exact.point + digitCount : digitCount);
	}

	const exponentLetter = format === 'E' || format === 'G' ? 'E' : 'e';
	if (lower === 'e') return sign + exponentForm(decimal, digitCount, exponentLetter);
	if (lower === 'f') return sign + pointForm(decimal, digitCount);
	let exponentLimit = digitCount;
	if (exponentLimit > decimal.digits.length && decimal.digits.length >= decimal.point) exponentLimit = decimal.digits.length;
	if (shortest) exponentLimit = 6;
	const exponent = decimal.point - 1;
	if (exponent < -4 || exponent >= exponentLimit) return sign + exponentForm(decimal, Math.min(digitCount, decimal.digits.length) - 1, exponentLetter);
	if (digitCount > decimal.point) digitCount = decimal.digits.length;
	return sign + pointForm(decimal, Math.max(digitCount - decimal.point, 0));
}

function exponentForm({digits, point}: Decimal, decimals: number, letter: string): string {
	let result = digits[0] ?? '0';
	if (decimals > 0) result += `.${digits.slice(1, decimals + 1).padEnd(decimals, '0')}`;
	const exponent = digits ? point - 1 : 0;
	return `${result}${letter}${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function pointForm({digits, point}: Decimal, decimals: number): string {
	let result = point > 0 ? digits.slice(0, point).padEnd(point, '0') : '0';
	if (decimals > 0) {
		result += '.';
		for (let position = point; position < point + decimals; position++) result += position >= 0 ? (digits[position] ?? '0') : '0';
	}

	return result;
}

export function isPrint(char: string): boolean {
	return char === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

/** U+007D '}', as Go's %#U prints a rune. */
export function describeRune(char: string): string {
	const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
	return isPrint(char) ? `${code} '${char}'` : code;
}

function escapeRune(char: string, quote: string, asciiOnly: boolean): string {
	const code = char.codePointAt(0)!;
	if (char === quote || char === '\\') return `\\${char}`;
	// A lone surrogate stands for the replacement character, as it would once encoded for Go.
	if (code >= 0xd8_00 && code < 0xe0_00) return asciiOnly ? String.raw`\ufffd` : '\uFFFD';
	if (asciiOnly ? code < 0x80 && isPrint(char) : isPrint(char)) return char;
	const named: Readonly<Record<number, string>> = {
		7: String.raw`\a`,
		8: String.raw`\b`,
		12: String.raw`\f`,
		10: String.raw`\n`,
		13: String.raw`\r`,
		9: String.raw`\t`,
		11: String.raw`\v`,
	};
	if (named[code]) return named[code];
	if (code < 0x20 || code === 0x7f) return String.raw`\x${code.toString(16).padStart(2, '0')}`;
	return code < 0x1_00_00 ? String.raw`\u${code.toString(16).padStart(4, '0')}` : String.raw`\U${code.toString(16).padStart(8, '0')}`;
}

/** strconv.Quote, or QuoteToASCII. */
export function goQuote(text: string, asciiOnly = false): string {
	let result = '"';
	for (const char of text) result += escapeRune(char, '"', asciiOnly);
	return `${result}"`;
}

export function runeString(code: number): string {
	return code >= 0 && code <= 0x10_ff_ff && (code < 0xd8_00 || code >= 0xe0_00) ? String.fromCodePoint(code) : '\uFFFD';
}

export function quoteRune(code: number, asciiOnly: boolean): string {
	return `'${escapeRune(runeString(code), "'", asciiOnly)}'`;
}

export function canBackquote(text: string): boolean {
	for (const char of text) {
		const code = char.codePointAt(0)!;
		if ((code < 0x20 && char !== '\t') || code === 0x7f || char === '`' || code === 0xfe_ff || (code >= 0xd8_00 && code < 0xe0_00)) return false;
	}

	return true;
}
