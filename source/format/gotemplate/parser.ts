/** Go text/template's parser: tokens into a tree, with Go's parse errors in Go's order. */

import {TemplateError} from './error.js';
import {keywords, Lexer, type Token, type TokenKind} from './lexer.js';
import {type ArgNode, type CommandNode, type ControlNode, type ListEnd, nodeString, type PipeNode, type TreeNode} from './nodes.js';
import {goQuote, parseCharConstant, parseNumber, unquote} from './strconv.js';

/** Deep enough for any real format, shallow enough to stay far from the stack limit. */
const maxNesting = 200;

export class Parser {
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

	constructor(
		source: string,
		private readonly isFunction: (name: string) => boolean,
	) {
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
					const {kind} = this.peekNonSpace();
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
			const {kind} = command.args[0]!;
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
		const {pos} = this.peek();
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
