/** Go text/template's lexer: the template source as a stream of tokens. */

import {describeRune, goQuote, isPrint} from './strconv.js';

export const keywords = ['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with'] as const;
type Keyword = (typeof keywords)[number];

export type TokenKind =
	| Keyword
	| 'error'
	| 'eof'
	| 'text'
	| 'leftDelim'
	| 'rightDelim'
	| 'space'
	| 'bool'
	| 'char'
	| 'charConstant'
	| 'number'
	| 'string'
	| 'rawString'
	| 'field'
	| 'identifier'
	| 'variable'
	| 'pipe'
	| 'declare'
	| 'assign'
	| 'leftParen'
	| 'rightParen'
	| 'dot';

export type Token = {
	readonly kind: TokenKind;
	readonly value: string;
	readonly pos: number;
	readonly line: number;
};

const spaceRun = /[ \t\r\n]+/y;
const alphanumericRun = /[\p{L}\p{Nd}_]*/uy;
const alphanumeric = /^[\p{L}\p{Nd}_]$/u;

function isSpace(char: string | undefined): boolean {
	return char === ' ' || char === '\t' || char === '\r' || char === '\n';
}

/**
 * Produces tokens on demand, like Go's lexer goroutine, so that the parser reports the first error
 * in the order Go does (an undefined function before a malformed string later in the action).
 */
export class Lexer {
	private pos = 0;
	private inAction = false;
	private parenDepth = 0;
	private readonly queue: Token[] = [];
	/** EOF and errors end the stream: they are returned again on every later call. */
	private last: Token | undefined;
	private lineCursor = 0;
	private lineCount = 1;

	constructor(
		private readonly input: string,
		private readonly isKeywordTaken: (word: string) => boolean,
	) {}

	next(): Token {
		while (this.queue.length === 0) {
			if (this.last) return this.last;
			if (this.inAction) this.lexInsideAction();
			else this.lexText();
		}

		return this.queue.shift()!;
	}

	private emit(kind: TokenKind, start: number, end: number): void {
		this.queue.push({kind, value: this.input.slice(start, end), pos: start, line: this.lineAt(start)});
	}

	private fail(message: string, at: number): void {
		this.last = {kind: 'error', value: message, pos: at, line: this.lineAt(at)};
		this.queue.push(this.last);
	}

	/** Tokens are requested in increasing positions, so lines are counted incrementally. */
	private lineAt(pos: number): number {
		for (; this.lineCursor < pos; this.lineCursor++) {
			if (this.input.charCodeAt(this.lineCursor) === 10) this.lineCount++;
		}

		return this.lineCount;
	}

	private lexText(): void {
		const {input} = this;
		const start = this.pos;
		const delim = input.indexOf('{{', start);
		if (delim === -1) {
			if (input.length > start) this.emit('text', start, input.length);
			this.last = {kind: 'eof', value: '', pos: input.length, line: this.lineAt(input.length)};
			this.queue.push(this.last);
			return;
		}

		const trimBefore = input[delim + 2] === '-' && isSpace(input[delim + 3]);
		let textEnd = delim;
		if (trimBefore) while (textEnd > start && isSpace(input[textEnd - 1])) textEnd--;
		if (textEnd > start) this.emit('text', start, textEnd);

		const inside = delim + (trimBefore ? 4 : 2);
		if (input.startsWith('/*', inside)) {
			this.lexComment(inside);
			return;
		}

		this.emit('leftDelim', delim, delim + 2);
		this.pos = inside;
		this.inAction = true;
		this.parenDepth = 0;
	}

	private lexComment(start: number): void {
		const close = this.input.indexOf('*/', start + 2);
		if (close === -1) {
			this.fail('unclosed comment', start);
			return;
		}

		const end = this.rightDelimAt(close + 2);
		if (!end) {
			this.fail('comment ends before closing delimiter', start);
			return;
		}

		this.pos = end.trim ? this.skipSpaces(end.after) : end.after;
	}

	/** Where an action's right delimiter, possibly with its trim marker, starts at `pos`. */
	private rightDelimAt(pos: number): {delim: number; after: number; trim: boolean} | undefined {
		const {input} = this;
		if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith('}}', pos + 2)) return {delim: pos + 2, after: pos + 4, trim: true};
		if (input.startsWith('}}', pos)) return {delim: pos, after: pos + 2, trim: false};
		return undefined;
	}

	private skipSpaces(pos: number): number {
		spaceRun.lastIndex = pos;
		return spaceRun.test(this.input) ? spaceRun.lastIndex : pos;
	}

	private atTerminator(pos: number): boolean {
		const char = this.input[pos];
		return char === undefined || isSpace(char) || '.,|:()'.includes(char) || this.input.startsWith('}}', pos);
	}

	private lexInsideAction(): void {
		const {input, pos} = this;
		const right = this.rightDelimAt(pos);
		if (right) {
			if (this.parenDepth > 0) {
				this.fail('unclosed left paren', pos);
				return;
			}

			this.emit('rightDelim', right.delim, right.delim + 2);
			this.pos = right.trim ? this.skipSpaces(right.after) : right.after;
			this.inAction = false;
			return;
		}

		if (pos >= input.length) {
			this.fail('unclosed action', pos);
			return;
		}

		const char = String.fromCodePoint(input.codePointAt(pos)!);

		if (isSpace(char)) {
			let end = this.skipSpaces(pos);
			// The last space may belong to a " -}}" trim marker.
			if (this.rightDelimAt(end - 1)?.trim) end--;
			if (end > pos) this.emit('space', pos, end);
			this.pos = end;
			return;
		}

		this.pos = pos + char.length;
		switch (char) {
			case '=': {
				this.emit('assign', pos, this.pos);
				return;
			}

			case ':': {
				if (input[this.pos] === '=') {
					this.pos++;
					this.emit('declare', pos, this.pos);
				} else {
					this.fail('expected :=', pos);
				}

				return;
			}

			case '|': {
				this.emit('pipe', pos, this.pos);
				return;
			}

			case '"':
			case "'": {
				this.lexQuote(pos, char);
				return;
			}

			case '`': {
				const close = input.indexOf('`', this.pos);
				if (close === -1) {
					this.fail('unterminated raw quoted string', pos);
					return;
				}

				this.pos = close + 1;
				this.emit('rawString', pos, this.pos);
				return;
			}

			case '$': {
				this.lexFieldOrVariable(pos, 'variable');
				return;
			}

			case '(': {
				this.emit('leftParen', pos, this.pos);
				this.parenDepth++;
				return;
			}

			case ')': {
				this.emit('rightParen', pos, this.pos);
				if (--this.parenDepth < 0) this.fail(`unexpected right paren ${describeRune(')')}`, pos);
				return;
			}

			default:
		}

		// A '.' ending the input is lexed as a (malformed) number, as Go does.
		if (char === '.' && this.pos < input.length && !/[0-9]/.test(input[this.pos]!)) {
			this.lexFieldOrVariable(pos, 'field');
		} else if ('.+-0123456789'.includes(char)) {
			this.lexNumber(pos);
		} else if (alphanumeric.test(char)) {
			this.lexIdentifier(pos);
		} else if (char.charCodeAt(0) < 0x7f && isPrint(char)) {
			this.emit('char', pos, this.pos);
		} else {
			this.fail(`unrecognized character in action: ${describeRune(char)}`, pos);
		}
	}

	private scanAlphanumerics(): void {
		alphanumericRun.lastIndex = this.pos;
		alphanumericRun.test(this.input);
		this.pos = alphanumericRun.lastIndex;
	}

	private badCharacter(start: number): void {
		const char = String.fromCodePoint(this.input.codePointAt(this.pos) ?? 0);
		this.fail(`bad character ${describeRune(char)}`, start);
	}

	private lexIdentifier(start: number): void {
		this.pos = start;
		this.scanAlphanumerics();
		if (!this.atTerminator(this.pos)) {
			this.badCharacter(start);
			return;
		}

		const word = this.input.slice(start, this.pos);
		if ((keywords as readonly string[]).includes(word) && !((word === 'break' || word === 'continue') && this.isKeywordTaken(word))) {
			this.emit(word as Keyword, start, this.pos);
		} else {
			this.emit(word === 'true' || word === 'false' ? 'bool' : 'identifier', start, this.pos);
		}
	}

	/** `start` holds the '.' or '$' just consumed. */
	private lexFieldOrVariable(start: number, kind: 'field' | 'variable'): void {
		if (this.atTerminator(this.pos)) {
			this.emit(kind === 'field' ? 'dot' : 'variable', start, this.pos);
			return;
		}

		this.scanAlphanumerics();
		if (this.atTerminator(this.pos)) this.emit(kind, start, this.pos);
		else this.badCharacter(start);
	}

	private lexQuote(start: number, quote: string): void {
		const {input} = this;
		for (let pos = start + 1; ; pos++) {
			const escaped = input[pos] === '\\';
			// An escaped character cannot end the literal, but it cannot be a newline either.
			if (escaped) pos++;
			const char = input[pos];
			if (char === undefined || char === '\n') {
				this.fail(quote === '"' ? 'unterminated quoted string' : 'unterminated character constant', start);
				return;
			}

			if (char === quote && !escaped) {
				this.pos = pos + 1;
				this.emit(quote === '"' ? 'string' : 'charConstant', start, this.pos);
				return;
			}
		}
	}

	private lexNumber(start: number): void {
		this.pos = start;
		let valid = this.scanNumber();
		// A sign right after a number can only continue a complex constant such as 1+2i.
		if (valid && (this.input[this.pos] === '+' || this.input[this.pos] === '-')) valid = this.scanNumber() && this.input[this.pos - 1] === 'i';
		if (valid) this.emit('number', start, this.pos);
		else this.fail(`bad number syntax: ${goQuote(this.input.slice(start, this.pos))}`, start);
	}

	/** Go's number grammar, loosely: what is accepted here is checked again when parsed. */
	private scanNumber(): boolean {
		const {input} = this;
		const accept = (chars: string): boolean => {
			const char = input[this.pos];
			if (char === undefined || !chars.includes(char)) return false;
			this.pos++;
			return true;
		};

		const acceptRun = (chars: string): void => {
			while (accept(chars));
		};

		accept('+-');
		let digits = '0123456789_';
		if (accept('0')) {
			if (accept('xX')) digits = '0123456789abcdefABCDEF_';
			else if (accept('oO')) digits = '01234567_';
			else if (accept('bB')) digits = '01_';
		}

		acceptRun(digits);
		if (accept('.')) acceptRun(digits);
		if ((digits.length === 11 && accept('eE')) || (digits.length === 23 && accept('pP'))) {
			accept('+-');
			acceptRun('0123456789_');
		}

		accept('i');
		const next = String.fromCodePoint(input.codePointAt(this.pos) ?? 0);
		if (this.pos < input.length && alphanumeric.test(next)) {
			this.pos += next.length;
			return false;
		}

		return true;
	}
}
