/**
 * The part of Go's text/template that people use with `docker-machine ls --format` and
 * `inspect --format`, over JSON-like data: actions with trim markers and comments, field chains,
 * variables, pipelines, parenthesised pipelines, literals, if/else if/else, range (with break and
 * continue), with, Go's built-in functions and docker's json/prettyjson/join/split/upper/lower/title.
 * {{define}}, {{template}} and {{block}} are not supported: a format is a single template.
 *
 * Values map to Go's as json.Unmarshal into interface{} would produce them, with one deliberate
 * difference: integral numbers below 1e21 behave as Go ints (so 1048576 prints as `1048576`, not
 * Go's float64 `1.048576e+06`) and the other numbers as float64. Numbers compare with each other
 * whatever their kind, `%d` takes integral numbers and `%f`/`%e`/`%g` take any number.
 *
 * A plain object is a map: a missing key yields `<no value>`. An object with `[strictFields]: true`
 * is a struct: reading a missing field is an error. null and undefined are both Go's nil, also
 * when a field chain runs through them (Go would fail on a nil interface in the middle of a chain).
 * Strings are UTF-8 byte sequences to `len`, `index` and `slice`, as in Go.
 */

/**
 * Called with the arguments as the template evaluated them, the piped value last. Parameters are
 * `any` so that functions can declare the types they expect; a thrown error fails the execution.
 */
export type TemplateFunction = (...args: any[]) => unknown;

export class TemplateError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TemplateError';
	}
}

/** Marks an object as a Go struct: its missing fields are errors instead of `<no value>`. */
export const strictFields = Symbol('strictFields');

export type Template = {
	execute(data: unknown): string;
};

/** The conversion docker-machine's `ls --format` applies before parsing: `\t` and `\n` become a tab and a newline. */
export function unescapeFormat(format: string): string {
	return format.replaceAll(/\\([tn])/g, (_, letter: string) => (letter === 't' ? '\t' : '\n'));
}

export function parseTemplate(source: string, funcs: Readonly<Record<string, TemplateFunction>> = {}): Template {
	const custom = new Map<string, TemplateFunction>();
	for (const [name, fn] of Object.entries(funcs)) {
		if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name)) throw new TypeError(`function name ${goQuote(name)} is not a valid identifier`);
		if (typeof fn !== 'function') throw new TypeError(`value for ${name} is not a function`);
		custom.set(name, fn);
	}

	const root = new Parser(source, name => custom.has(name) || Object.hasOwn(builtins, name) || shortCircuits.has(name)).parse();
	return {
		execute: (data: unknown) => new Execution(source, custom, data).run(root),
	};
}

// Lexing ------------------------------------------------------------------------------------------

const keywords = ['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with'] as const;
type Keyword = typeof keywords[number];

type TokenKind =
	| Keyword
	| 'error' | 'eof' | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'bool' | 'char' | 'charConstant' | 'number'
	| 'string' | 'rawString' | 'field' | 'identifier' | 'variable' | 'pipe' | 'declare' | 'assign' | 'leftParen' | 'rightParen' | 'dot';

type Token = {
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
class Lexer {
	private pos = 0;
	private inAction = false;
	private parenDepth = 0;
	private readonly queue: Token[] = [];
	/** EOF and errors end the stream: they are returned again on every later call. */
	private last: Token | undefined;
	private lineCursor = 0;
	private lineCount = 1;

	constructor(private readonly input: string, private readonly isKeywordTaken: (word: string) => boolean) {}

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
		if (delim < 0) {
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
		if (close < 0) {
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
			case '\'': {
				this.lexQuote(pos, char);
				return;
			}

			case '`': {
				const close = input.indexOf('`', this.pos);
				if (close < 0) {
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
		} else if (char.charCodeAt(0) < 0x7F && isPrint(char)) {
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

// Parsing -----------------------------------------------------------------------------------------

type FieldNode = {readonly kind: 'field'; readonly pos: number; readonly ident: readonly string[]};
/** `ident[0]` is the variable's name, with its '$'; the rest are fields. */
type VariableNode = {readonly kind: 'variable'; readonly pos: number; readonly ident: readonly string[]};
type ChainNode = {readonly kind: 'chain'; readonly pos: number; readonly node: ArgNode; readonly fields: readonly string[]};
type IdentifierNode = {readonly kind: 'identifier'; readonly pos: number; readonly name: string};
type LiteralNode =
	| {readonly kind: 'dot'; readonly pos: number}
	| {readonly kind: 'nil'; readonly pos: number}
	| {readonly kind: 'bool'; readonly pos: number; readonly value: boolean}
	| {readonly kind: 'number'; readonly pos: number; readonly value: number; readonly text: string}
	| {readonly kind: 'string'; readonly pos: number; readonly value: string; readonly text: string};
type ArgNode = FieldNode | VariableNode | ChainNode | IdentifierNode | LiteralNode | PipeNode;
type CommandNode = {readonly kind: 'command'; readonly pos: number; readonly args: ArgNode[]};
type PipeNode = {
	readonly kind: 'pipe';
	readonly pos: number;
	readonly decl: VariableNode[];
	isAssign: boolean;
	readonly cmds: CommandNode[];
};

type ActionNode = {readonly kind: 'action'; readonly pos: number; readonly pipe: PipeNode};
type ControlNode = {
	readonly kind: 'if' | 'range' | 'with';
	readonly pos: number;
	readonly pipe: PipeNode;
	readonly list: readonly TreeNode[];
	readonly elseList: readonly TreeNode[] | undefined;
};
type TreeNode =
	| {readonly kind: 'text'; readonly text: string}
	| {readonly kind: 'break' | 'continue'}
	| ActionNode
	| ControlNode;
/** Ends a list; never part of the tree. */
type ListEnd = {readonly kind: 'end'} | {readonly kind: 'else'};

/** Deep enough for any real format, shallow enough to stay far from the stack limit. */
const maxNesting = 200;

class Parser {
	private readonly lexer: Lexer;
	/** Read but given back, the next one to read last. */
	private readonly pushedBack: Token[] = [];
	/** Line of the last token lexed, which Go's parse errors report. */
	private line = 1;
	/** Line of the action being parsed, so a lexing error on a later line can tell where it started. */
	private actionLine = 0;
	private readonly variables = ['$'];
	private rangeDepth = 0;
	private nesting = 0;

	constructor(source: string, private readonly isFunction: (name: string) => boolean) {
		this.lexer = new Lexer(source, isFunction);
	}

	parse(): TreeNode[] {
		const root: TreeNode[] = [];
		while (this.peek().kind !== 'eof') {
			const node = this.textOrAction();
			if (node.kind === 'end' || node.kind === 'else') this.fail(`unexpected {{${node.kind}}}`);
			root.push(node);
		}

		return root;
	}

	private fail(message: string): never {
		throw new TemplateError(`template parsing error: template: :${this.line}: ${message}`);
	}

	/**
	 * Lexing errors surface here, when the parser meets the error token where it expected
	 * something else: only then, so that an earlier parse error is reported first, as in Go.
	 */
	private unexpected(token: Token, context: string): never {
		if (token.kind !== 'error') this.fail(`unexpected ${tokenString(token)} in ${context}`);
		let extra = '';
		if (this.actionLine !== 0 && this.actionLine !== token.line) {
			extra = `${token.value.endsWith(' action') ? '' : ' in action'} started at :${this.actionLine}`;
		}

		this.fail(token.value + extra);
	}

	private next(): Token {
		const pushed = this.pushedBack.pop();
		if (pushed) return pushed;
		const token = this.lexer.next();
		this.line = token.line;
		return token;
	}

	private backup(token: Token): void {
		this.pushedBack.push(token);
	}

	private peek(): Token {
		const token = this.next();
		this.backup(token);
		return token;
	}

	private nextNonSpace(): Token {
		let token = this.next();
		while (token.kind === 'space') token = this.next();
		return token;
	}

	private peekNonSpace(): Token {
		const token = this.nextNonSpace();
		this.backup(token);
		return token;
	}

	private expect(kind: TokenKind, context: string): Token {
		const token = this.nextNonSpace();
		if (token.kind !== kind) this.unexpected(token, context);
		return token;
	}

	private enter(): void {
		if (++this.nesting > maxNesting) this.fail(`exceeded maximum nesting depth of ${maxNesting}`);
	}

	private itemList(): {list: TreeNode[]; end: ListEnd} {
		const list: TreeNode[] = [];
		while (this.peekNonSpace().kind !== 'eof') {
			const node = this.textOrAction();
			if (node.kind === 'end' || node.kind === 'else') return {list, end: node};
			list.push(node);
		}

		this.fail('unexpected EOF');
	}

	private textOrAction(): TreeNode | ListEnd {
		const token = this.nextNonSpace();
		if (token.kind === 'text') return {kind: 'text', text: token.value};
		if (token.kind !== 'leftDelim') this.unexpected(token, 'input');
		this.actionLine = token.line;
		try {
			return this.action();
		} finally {
			this.actionLine = 0;
		}
	}

	private action(): TreeNode | ListEnd {
		const token = this.nextNonSpace();
		switch (token.kind) {
			case 'block':
			case 'define':
			case 'template': {
				this.fail(`{{${token.kind}}} is not supported`);
			}

			case 'break':
			case 'continue': {
				const end = this.nextNonSpace();
				if (end.kind !== 'rightDelim') this.unexpected(end, `{{${token.kind}}}`);
				if (this.rangeDepth === 0) this.fail(`{{${token.kind}}} outside {{range}}`);
				return {kind: token.kind};
			}

			case 'else': {
				// "else if" is left for the enclosing if to see.
				if (this.peekNonSpace().kind !== 'if') this.expect('rightDelim', 'else');
				return {kind: 'else'};
			}

			case 'end': {
				this.expect('rightDelim', 'end');
				return {kind: 'end'};
			}

			case 'if':
			case 'range':
			case 'with': {
				return this.control(token.kind);
			}

			default: {
				this.backup(token);
				const pipe = this.pipeline('command', 'rightDelim');
				return {kind: 'action', pos: pipe.pos, pipe};
			}
		}
	}

	private control(kind: ControlNode['kind']): ControlNode {
		this.enter();
		const variableCount = this.variables.length;
		const pipe = this.pipeline(kind, 'rightDelim');
		if (kind === 'range') this.rangeDepth++;
		const {list, end} = this.itemList();
		if (kind === 'range') this.rangeDepth--;
		let elseList: TreeNode[] | undefined;
		if (end.kind === 'else') {
			if (kind === 'if' && this.peek().kind === 'if') {
				this.next();
				elseList = [this.control('if')];
			} else {
				const rest = this.itemList();
				if (rest.end.kind !== 'end') this.fail(`expected end; found {{${rest.end.kind}}}`);
				elseList = rest.list;
			}
		}

		this.variables.length = variableCount;
		this.nesting--;
		return {kind, pos: pipe.pos, pipe, list, elseList};
	}

	private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
		const pipe: PipeNode = {kind: 'pipe', pos: this.peekNonSpace().pos, decl: [], isAssign: false, cmds: []};
		for (;;) {
			const variable = this.peekNonSpace();
			if (variable.kind !== 'variable') break;
			this.next();
			const after = this.peek();
			const next = this.peekNonSpace();
			if (next.kind === 'assign' || next.kind === 'declare') {
				pipe.isAssign = next.kind === 'assign';
				this.nextNonSpace();
				this.declare(pipe, variable);
				break;
			}

			if (next.kind === 'char' && next.value === ',') {
				this.nextNonSpace();
				this.declare(pipe, variable);
				if (context === 'range' && pipe.decl.length < 2) {
					const kind = this.peekNonSpace().kind;
					if (kind === 'variable' || kind === 'rightDelim' || kind === 'rightParen') continue;
					this.fail('range can only initialize variables');
				}

				this.fail(`too many declarations in ${context}`);
			}

			// Not a declaration: the variable starts the first command.
			if (after.kind === 'space') this.backup(after);
			this.backup(variable);
			break;
		}

		for (;;) {
			const token = this.nextNonSpace();
			if (token.kind === end) break;
			if (!startsOperand(token.kind)) this.unexpected(token, context);
			this.backup(token);
			pipe.cmds.push(this.command());
		}

		if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
		for (const [index, command] of pipe.cmds.entries()) {
			const kind = command.args[0]!.kind;
			if (index > 0 && (kind === 'bool' || kind === 'dot' || kind === 'nil' || kind === 'number' || kind === 'string')) {
				this.fail(`non executable command in pipeline stage ${index + 1}`);
			}
		}

		return pipe;
	}

	private declare(pipe: PipeNode, variable: Token): void {
		pipe.decl.push({kind: 'variable', pos: variable.pos, ident: [variable.value]});
		this.variables.push(variable.value);
	}

	private command(): CommandNode {
		const command: CommandNode = {kind: 'command', pos: this.peekNonSpace().pos, args: []};
		for (;;) {
			this.peekNonSpace();
			const operand = this.operand();
			if (operand) command.args.push(operand);
			const token = this.next();
			if (token.kind === 'space') continue;
			if (token.kind === 'rightDelim' || token.kind === 'rightParen') this.backup(token);
			else if (token.kind !== 'pipe') this.unexpected(token, 'operand');
			break;
		}

		if (command.args.length === 0) this.fail('empty command');
		return command;
	}

	private operand(): ArgNode | undefined {
		const node = this.term();
		if (!node || this.peek().kind !== 'field') return node;
		const pos = this.peek().pos;
		const fields: string[] = [];
		while (this.peek().kind === 'field') fields.push(this.next().value.slice(1));
		switch (node.kind) {
			case 'field':
			case 'variable': {
				return {kind: node.kind, pos, ident: [...node.ident, ...fields]};
			}

			case 'bool':
			case 'string':
			case 'number':
			case 'nil':
			case 'dot': {
				this.fail(`unexpected . after term ${goQuote(nodeString(node))}`);
			}

			default: {
				return {kind: 'chain', pos, node, fields};
			}
		}
	}

	private term(): ArgNode | undefined {
		const token = this.nextNonSpace();
		const {pos} = token;
		switch (token.kind) {
			case 'identifier': {
				if (!this.isFunction(token.value)) this.fail(`function ${goQuote(token.value)} not defined`);
				return {kind: 'identifier', pos, name: token.value};
			}

			case 'dot':
			case 'nil': {
				return {kind: token.kind, pos};
			}

			case 'variable': {
				if (!this.variables.includes(token.value)) this.fail(`undefined variable ${goQuote(token.value)}`);
				return {kind: 'variable', pos, ident: [token.value]};
			}

			case 'field': {
				return {kind: 'field', pos, ident: [token.value.slice(1)]};
			}

			case 'bool': {
				return {kind: 'bool', pos, value: token.value === 'true'};
			}

			case 'charConstant':
			case 'number': {
				const value = token.kind === 'number' ? parseNumber(token.value) : parseCharConstant(token.value);
				if (typeof value === 'string') this.fail(value);
				return {kind: 'number', pos, value, text: token.value};
			}

			case 'leftParen': {
				this.enter();
				const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
				this.nesting--;
				return pipe;
			}

			case 'string':
			case 'rawString': {
				const value = unquote(token.value);
				if (value === undefined) this.fail('invalid syntax');
				return {kind: 'string', pos, value, text: token.value};
			}

			default: {
				this.backup(token);
				return undefined;
			}
		}
	}
}

function startsOperand(kind: TokenKind): boolean {
	return ['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(kind);
}

function tokenString(token: Token): string {
	if (token.kind === 'eof') return 'EOF';
	if ((keywords as readonly string[]).includes(token.kind) || token.kind === 'dot') return `<${token.value}>`;
	const runes = [...token.value];
	return runes.length > 10 ? `${goQuote(runes.slice(0, 10).join(''))}...` : goQuote(token.value);
}

/** How Go prints a node, for error messages. */
function nodeString(node: ArgNode | CommandNode | ActionNode): string {
	switch (node.kind) {
		case 'field': {
			return `.${node.ident.join('.')}`;
		}

		case 'variable': {
			return node.ident.join('.');
		}

		case 'chain': {
			const base = node.node.kind === 'pipe' ? `(${nodeString(node.node)})` : nodeString(node.node);
			return base + node.fields.map(field => `.${field}`).join('');
		}

		case 'identifier': {
			return node.name;
		}

		case 'dot': {
			return '.';
		}

		case 'nil': {
			return 'nil';
		}

		case 'bool': {
			return String(node.value);
		}

		case 'number':
		case 'string': {
			return node.text;
		}

		case 'pipe': {
			const decl = node.decl.length === 0 ? '' : `${node.decl.map(variable => nodeString(variable)).join(', ')} ${node.isAssign ? '=' : ':='} `;
			return decl + node.cmds.map(command => nodeString(command)).join(' | ');
		}

		case 'command': {
			return node.args.map(arg => (arg.kind === 'pipe' ? `(${nodeString(arg)})` : nodeString(arg))).join(' ');
		}

		case 'action': {
			return `{{${nodeString(node.pipe)}}}`;
		}
	}
}

/** Go's integer and float literal syntax; returns an error message when malformed. */
function parseNumber(text: string): number | string {
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
		value = (Number.parseInt(whole || '0', 16) + (fraction ? Number.parseInt(fraction, 16) / (16 ** fraction.length) : 0)) * (2 ** Number(exponent));
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

function parseCharConstant(text: string): number | string {
	const escape = readChar(text, 1, '\'');
	if (!escape) return 'invalid syntax';
	if (escape.next !== text.length - 1) return `malformed character constant: ${text}`;
	return escape.value;
}

/** Go's strconv.Unquote for "..." and `...` literals; undefined when malformed. */
function unquote(text: string): string | undefined {
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
	if (first !== 92) return {value: first, byte: false, next: pos + (first > 0xFFFF ? 2 : 1)};
	const letter = text[pos + 1] ?? '';
	const simple = simpleEscapes[letter];
	if (simple !== undefined) return {value: simple, byte: false, next: pos + 2};
	if (letter === quote) return {value: letter.charCodeAt(0), byte: false, next: pos + 2};
	const hexLength = {x: 2, u: 4, U: 8}[letter];
	if (hexLength !== undefined) {
		const digits = text.slice(pos + 2, pos + 2 + hexLength);
		if (!new RegExp(`^[\\da-fA-F]{${hexLength}}$`).test(digits)) return undefined;
		const value = Number.parseInt(digits, 16);
		if (letter !== 'x' && (value > 0x10FFFF || (value >= 0xD800 && value < 0xE000))) return undefined;
		return {value, byte: letter === 'x', next: pos + 2 + hexLength};
	}

	const octal = text.slice(pos + 1, pos + 4);
	if (/^[0-7]{3}$/.test(octal) && Number.parseInt(octal, 8) < 256) return {value: Number.parseInt(octal, 8), byte: true, next: pos + 4};
	return undefined;
}

// Execution ---------------------------------------------------------------------------------------

type LoopSignal = 'break' | 'continue' | undefined;

/** A value piped into a command, which becomes its last argument. */
type Final = {readonly value: unknown} | undefined;

class Execution {
	private readonly output: string[] = [];
	private readonly variables: Array<{readonly name: string; value: unknown}>;
	/** The node being evaluated, which error messages point at. */
	private node: ArgNode | CommandNode | ActionNode | undefined;

	constructor(private readonly source: string, private readonly custom: ReadonlyMap<string, TemplateFunction>, data: unknown) {
		this.variables = [{name: '$', value: data}];
	}

	run(root: readonly TreeNode[]): string {
		this.walkList(this.variables[0]!.value, root);
		return this.output.join('');
	}

	/** Only called while evaluating an action, so there is always a node to point at. */
	private fail(message: string): never {
		const node = this.node!;
		const before = this.source.slice(0, node.pos);
		const line = before.split('\n').length;
		// Go counts columns from 0, in bytes; these are UTF-16 code units.
		const column = node.pos - (before.lastIndexOf('\n') + 1);
		throw new TemplateError(`template: :${line}:${column}: executing "" at <${nodeString(node)}>: ${message}`);
	}

	private walkList(dot: unknown, list: readonly TreeNode[]): LoopSignal {
		for (const node of list) {
			const signal = this.walk(dot, node);
			if (signal) return signal;
		}

		return undefined;
	}

	private walk(dot: unknown, node: TreeNode): LoopSignal {
		switch (node.kind) {
			case 'text': {
				this.output.push(node.text);
				return undefined;
			}

			case 'action': {
				this.node = node;
				const value = this.evalPipeline(dot, node.pipe);
				if (node.pipe.decl.length === 0) this.print(node, value);
				return undefined;
			}

			case 'break':
			case 'continue': {
				return node.kind;
			}

			case 'range': {
				return this.walkRange(dot, node);
			}

			case 'if':
			case 'with': {
				const variableCount = this.variables.length;
				const value = this.evalPipeline(dot, node.pipe);
				let signal: LoopSignal;
				if (isTrue(value)) signal = this.walkList(node.kind === 'with' ? value : dot, node.list);
				else if (node.elseList) signal = this.walkList(dot, node.elseList);
				this.variables.length = variableCount;
				return signal;
			}
		}
	}

	private walkRange(dot: unknown, node: ControlNode): LoopSignal {
		const variableCount = this.variables.length;
		const value = this.evalPipeline(dot, node.pipe);
		const iterationVariables = this.variables.length;
		let entries: Array<[unknown, unknown]>;
		switch (kindOf(value)) {
			case 'nil': {
				entries = [];
				break;
			}

			case 'slice': {
				entries = [...(value as unknown[]).entries()];
				break;
			}

			case 'map': {
				const map = value as Record<string, unknown>;
				entries = sortedKeys(map).map(key => [key, map[key]]);
				break;
			}

			default: {
				this.fail(`range can't iterate over ${formatValue(value)}`);
			}
		}

		let signal: LoopSignal;
		if (entries.length === 0) {
			if (node.elseList) signal = this.walkList(dot, node.elseList);
		} else {
			for (const [key, element] of entries) {
				if (node.pipe.decl.length > 0) this.variables[iterationVariables - 1]!.value = element;
				if (node.pipe.decl.length > 1) this.variables[iterationVariables - 2]!.value = key;
				const iteration = this.walkList(element, node.list);
				this.variables.length = iterationVariables;
				if (iteration === 'break') break;
			}
		}

		this.variables.length = variableCount;
		return signal;
	}

	private print(node: ActionNode, value: unknown): void {
		if (isNil(value)) {
			this.output.push('<no value>');
			return;
		}

		if (kindOf(value) === 'other') {
			this.node = node;
			this.fail(`can't print ${nodeString(node)} of type ${typeName(value)}`);
		}

		this.output.push(formatValue(value));
	}

	private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
		this.node = pipe;
		let final: Final;
		for (const command of pipe.cmds) final = {value: this.evalCommand(dot, command, final)};
		const value = final?.value;
		for (const variable of pipe.decl) {
			const name = variable.ident[0]!;
			if (pipe.isAssign) this.findVariable(name).value = value;
			else this.variables.push({name, value});
		}

		return value;
	}

	private findVariable(name: string): {value: unknown} {
		for (let index = this.variables.length - 1; index >= 0; index--) {
			if (this.variables[index]!.name === name) return this.variables[index]!;
		}

		this.fail(`undefined variable: ${name}`);
	}

	private evalCommand(dot: unknown, command: CommandNode, final: Final): unknown {
		const first = command.args[0]!;
		switch (first.kind) {
			case 'field': {
				this.node = first;
				return this.evalFieldChain(dot, first.ident, command.args, final);
			}

			case 'chain': {
				this.node = first;
				return this.evalFieldChain(this.evalArg(dot, first.node), first.fields, command.args, final);
			}

			case 'identifier': {
				return this.evalFunction(dot, first, command, command.args.slice(1), final);
			}

			case 'variable': {
				return this.evalVariable(dot, first, command.args, final);
			}

			case 'pipe': {
				this.notAFunction(command.args, final);
				return this.evalPipeline(dot, first);
			}

			default: {
				this.node = first;
				this.notAFunction(command.args, final);
				if (first.kind === 'nil') this.fail('nil is not a command');
				return first.kind === 'dot' ? dot : first.value;
			}
		}
	}

	private notAFunction(args: readonly ArgNode[], final: Final): void {
		if (args.length > 1 || final) this.fail(`can't give argument to non-function ${nodeString(args[0]!)}`);
	}

	/** An argument to a function, or the receiver of a chain. */
	private evalArg(dot: unknown, node: ArgNode): unknown {
		this.node = node;
		switch (node.kind) {
			case 'dot': {
				return dot;
			}

			case 'nil': {
				return null;
			}

			case 'field': {
				return this.evalFieldChain(dot, node.ident, [node], undefined);
			}

			case 'variable': {
				return this.evalVariable(dot, node, [node], undefined);
			}

			case 'chain': {
				return this.evalFieldChain(this.evalArg(dot, node.node), node.fields, [node], undefined);
			}

			case 'identifier': {
				return this.evalFunction(dot, node, node, [], undefined);
			}

			case 'pipe': {
				return this.evalPipeline(dot, node);
			}

			default: {
				return node.value;
			}
		}
	}

	private evalVariable(dot: unknown, node: VariableNode, args: readonly ArgNode[], final: Final): unknown {
		this.node = node;
		const value = this.findVariable(node.ident[0]!).value;
		if (node.ident.length === 1) {
			this.notAFunction(args, final);
			return value;
		}

		return this.evalFieldChain(value, node.ident.slice(1), args, final);
	}

	/** Only the last field of a chain sees the command's arguments, which fields cannot take. */
	private evalFieldChain(receiver: unknown, fields: readonly string[], args: readonly ArgNode[], final: Final): unknown {
		let value = receiver;
		for (const [index, field] of fields.entries()) {
			const last = index === fields.length - 1;
			value = this.evalField(field, last && (args.length > 1 || final !== undefined), value);
		}

		return value;
	}

	private evalField(name: string, hasArgs: boolean, receiver: unknown): unknown {
		const kind = kindOf(receiver);
		if (kind === 'nil') return undefined;
		if (kind === 'map' || kind === 'struct') {
			const object = receiver as Record<string, unknown>;
			const present = Object.hasOwn(object, name);
			if (present || kind === 'map') {
				if (hasArgs) this.fail(kind === 'map' ? `${name} is not a method but has arguments` : `${name} has arguments but cannot be invoked as function`);
				return present ? object[name] : undefined;
			}
		}

		this.fail(`can't evaluate field ${name} in type ${typeName(receiver)}`);
	}

	private evalFunction(dot: unknown, node: IdentifierNode, call: CommandNode | IdentifierNode, args: readonly ArgNode[], final: Final): unknown {
		this.node = node;
		const {name} = node;
		const custom = this.custom.get(name);
		const builtin = custom ? undefined : builtins[name];
		const count = args.length + (final ? 1 : 0);
		if (!custom && !builtin) {
			// Only `and` and `or` are left: they evaluate their arguments lazily, from left to right.
			if (count < 1) this.fail(`wrong number of args for ${name}: want at least 1 got ${count}`);
			let value: unknown;
			for (const arg of args) {
				value = this.evalArg(dot, arg);
				if (isTrue(value) === (name === 'or')) return value;
			}

			return final ? final.value : value;
		}

		if (builtin && (count < builtin.min || count > builtin.max)) {
			const wanted = builtin.max === Number.POSITIVE_INFINITY ? `at least ${builtin.min}` : String(builtin.min);
			this.fail(`wrong number of args for ${name}: want ${wanted} got ${count}`);
		}

		const values: unknown[] = [];
		for (const arg of args) {
			const value = this.evalArg(dot, arg);
			this.checkArgument(builtin, values.length, value, arg);
			values.push(value);
		}

		if (final) {
			this.checkArgument(builtin, values.length, final.value, undefined);
			values.push(final.value);
		}

		try {
			return custom ? custom(...values) : builtin!.call(...values);
		} catch (error) {
			this.node = call;
			this.fail(`error calling ${name}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	/** Go checks arguments against the function's parameter types before calling it. */
	private checkArgument(builtin: Builtin | undefined, position: number, value: unknown, node: ArgNode | undefined): void {
		if (!builtin?.strings?.includes(position) || typeof value === 'string') return;
		if (node?.kind === 'nil') this.fail('cannot assign nil to string');
		if (node?.kind === 'bool' || node?.kind === 'number') this.fail(`expected string; found ${nodeString(node)}`);
		this.fail(isNil(value) ? 'invalid value; expected string' : `wrong type for value; expected string; got ${typeName(value)}`);
	}
}

// Values ------------------------------------------------------------------------------------------

type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'other';

function kindOf(value: unknown): Kind {
	switch (typeof value) {
		case 'undefined': {
			return 'nil';
		}

		case 'boolean': {
			return 'bool';
		}

		case 'number': {
			return Number.isInteger(value) && Math.abs(value) < 1e21 ? 'int' : 'float';
		}

		case 'string': {
			return 'string';
		}

		case 'object': {
			if (value === null) return 'nil';
			if (Array.isArray(value)) return 'slice';
			return (value as {[strictFields]?: unknown})[strictFields] === true ? 'struct' : 'map';
		}

		default: {
			return 'other';
		}
	}
}

function isNil(value: unknown): value is null | undefined {
	return value === undefined || value === null;
}

/** The Go type the value stands for, as Go's messages spell it. */
function typeName(value: unknown): string {
	switch (kindOf(value)) {
		case 'nil': {
			return '<nil>';
		}

		case 'bool': {
			return 'bool';
		}

		case 'string': {
			return 'string';
		}

		case 'int': {
			return 'int';
		}

		case 'float': {
			return 'float64';
		}

		case 'slice': {
			return '[]interface {}';
		}

		case 'map': {
			return 'map[string]interface {}';
		}

		case 'struct': {
			const {constructor} = value as object;
			return constructor === Object || typeof constructor !== 'function' ? 'struct' : constructor.name;
		}

		default: {
			return typeof value === 'function' ? 'func' : typeof value;
		}
	}
}

function isTrue(value: unknown): boolean {
	switch (kindOf(value)) {
		case 'nil': {
			return false;
		}

		case 'bool': {
			return value as boolean;
		}

		case 'int':
		case 'float': {
			return value !== 0;
		}

		case 'string':
		case 'slice': {
			return (value as string | unknown[]).length > 0;
		}

		case 'map': {
			return Object.keys(value as object).length > 0;
		}

		default: {
			return true;
		}
	}
}

/** Go's fmt and text/template visit map keys in sorted order. */
function sortedKeys(map: object): string[] {
	return Object.keys(map).sort();
}

// Built-in functions ------------------------------------------------------------------------------

type Builtin = {
	readonly min: number;
	readonly max: number;
	/** Positions of the string parameters, which the executor checks before the call. */
	readonly strings?: readonly number[];
	readonly call: (...args: unknown[]) => unknown;
};

const variadic = Number.POSITIVE_INFINITY;

/** Not in `builtins`: evaluated in the executor, which can skip the arguments they do not need. */
const shortCircuits = new Set(['and', 'or']);

const builtins: Readonly<Record<string, Builtin>> = {
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
	split: {min: 2, max: 2, strings: [0, 1], call: (text, separator) => (separator === '' ? [...text as string] : (text as string).split(separator as string))},
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
			const sequence = kind === 'string' ? Buffer.from(value as string) : value as unknown[];
			const position = indexArgument(key, sequence.length);
			if (position === sequence.length) throw new Error(`index out of range: ${position}`);
			value = sequence[position];
		} else if (kind === 'map') {
			if (typeof key !== 'string') throw new Error(isNil(key) ? 'value is nil; should be of type string' : `value has type ${typeName(key)}; should be string`);
			value = Object.hasOwn(value as object, key) ? (value as Record<string, unknown>)[key] : undefined;
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
	const sequence = kind === 'string' ? Buffer.from(item as string) : item as unknown[];
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
		else if (char === '\n') result += '\\n';
		else if (char === '\r') result += '\\r';
		else if (char === '\t') result += '\\t';
		else if (code < 0x20 || char === '<' || char === '>' || char === '&' || code === 0x2028 || code === 0x2029) result += `\\u${code.toString(16).padStart(4, '0')}`;
		// A lone surrogate is not text; Go would hold the replacement character in its place.
		else if (code >= 0xD800 && code < 0xE000) result += '\\ufffd';
		else result += char;
	}

	return `${result}"`;
}

// Go's fmt ----------------------------------------------------------------------------------------

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
function formatValue(value: unknown): string {
	return formatArg(value, plainSpec(), false);
}

/** fmt.Sprint: operands are separated by a space when neither side is a string. */
function sprint(args: readonly unknown[]): string {
	let result = '';
	for (const [position, arg] of args.entries()) {
		if (position > 0 && typeof arg !== 'string' && typeof args[position - 1] !== 'string') result += ' ';
		result += formatValue(arg);
	}

	return result;
}

/** Go's limit on widths and precisions, beyond which a number in a format is nonsense. */
const maxFormatNumber = 1e6;

function sprintf(format: string, args: readonly unknown[]): string {
	let result = '';
	let argIndex = 0;
	let pos = 0;
	const end = format.length;
	/** A width or precision taken from the arguments by '*'. */
	const numberFromArgs = (): number | undefined => {
		if (argIndex >= args.length) return undefined;
		const value = args[argIndex++];
		return kindOf(value) === 'int' && Math.abs(value as number) <= maxFormatNumber ? value as number : undefined;
	};

	const parseDigits = (): number | undefined => {
		let value: number | undefined;
		for (; pos < end && format[pos]! >= '0' && format[pos]! <= '9'; pos++) {
			if ((value ?? 0) > maxFormatNumber) {
				pos = end;
				return undefined;
			}

			value = ((value ?? 0) * 10) + Number(format[pos]);
		}

		return value;
	};

	while (pos < end) {
		const percent = format.indexOf('%', pos);
		if (percent < 0) {
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
			return `map[${sortedKeys(map).map(key => `${formatArg(key, spec, true)}:${formatArg(map[key], spec, true)}`).join(' ')}]`;
		}

		case 'struct': {
			return `{${Object.values(value as object).map(field => formatArg(field, spec, true)).join(' ')}}`;
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
			let text = `U+${Math.abs(value).toString(16).toUpperCase().padStart(Math.max(spec.precision ?? 4, 4), '0')}`;
			if (value < 0) text = `U+${(BigInt(value) & 0xFFFF_FFFF_FFFF_FFFFn).toString(16).toUpperCase()}`;
			else if (spec.sharp && value <= 0x10FFFF && isPrint(runeString(value))) text += ` '${runeString(value)}'`;
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
	const sign = negative ? '-' : (spec.plus ? '+' : (spec.space ? ' ' : ''));
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

/** Decimal digits `digits` (no leading or trailing zeros) times 10^`point`, read as 0.digits. */
type Decimal = {readonly digits: string; readonly point: number};

/** The exact decimal value of a finite, non-negative double. */
function exactDecimal(value: number): Decimal {
	const view = new DataView(new ArrayBuffer(8));
	view.setFloat64(0, value);
	const bits = view.getBigUint64(0);
	const biasedExponent = Number((bits >> 52n) & 0x7FFn);
	let mantissa = bits & ((1n << 52n) - 1n);
	let exponent = -1074;
	if (biasedExponent > 0) {
		mantissa |= 1n << 52n;
		exponent = biasedExponent - 1075;
	}

	if (mantissa === 0n) return {digits: '', point: 0};
	// m * 2^-k = m * 5^k / 10^k
	const digits = exponent >= 0 ? (mantissa << BigInt(exponent)).toString() : (mantissa * (5n ** BigInt(-exponent))).toString();
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
function formatFloat(value: number, format: string, precision: number): string {
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
		decimal = roundDecimal(exact, lower === 'e' ? digitCount + 1 : (lower === 'f' ? exact.point + digitCount : digitCount));
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
		for (let position = point; position < point + decimals; position++) result += position >= 0 ? digits[position] ?? '0' : '0';
	}

	return result;
}

function isPrint(char: string): boolean {
	return char === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

/** U+007D '}', as Go's %#U prints a rune. */
function describeRune(char: string): string {
	const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
	return isPrint(char) ? `${code} '${char}'` : code;
}

function escapeRune(char: string, quote: string, asciiOnly: boolean): string {
	const code = char.codePointAt(0)!;
	if (char === quote || char === '\\') return `\\${char}`;
	// A lone surrogate stands for the replacement character, as it would once encoded for Go.
	if (code >= 0xD800 && code < 0xE000) return asciiOnly ? '\\ufffd' : '\uFFFD';
	if (asciiOnly ? code < 0x80 && isPrint(char) : isPrint(char)) return char;
	const named: Readonly<Record<number, string>> = {7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v'};
	if (named[code]) return named[code];
	if (code < 0x20 || code === 0x7F) return `\\x${code.toString(16).padStart(2, '0')}`;
	return code < 0x10000 ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
}

/** strconv.Quote, or QuoteToASCII. */
function goQuote(text: string, asciiOnly = false): string {
	let result = '"';
	for (const char of text) result += escapeRune(char, '"', asciiOnly);
	return `${result}"`;
}

function runeString(code: number): string {
	return code >= 0 && code <= 0x10FFFF && (code < 0xD800 || code >= 0xE000) ? String.fromCodePoint(code) : '\uFFFD';
}

function quoteRune(code: number, asciiOnly: boolean): string {
	return `'${escapeRune(runeString(code), '\'', asciiOnly)}'`;
}

function canBackquote(text: string): boolean {
	for (const char of text) {
		const code = char.codePointAt(0)!;
		if ((code < 0x20 && char !== '\t') || code === 0x7F || char === '`' || code === 0xFEFF || (code >= 0xD800 && code < 0xE000)) return false;
	}

	return true;
}
