/** The parse tree, and how Go prints its nodes in error messages. */

type FieldNode = {readonly kind: 'field'; readonly pos: number; readonly ident: readonly string[]};
/** `ident[0]` is the variable's name, with its '$'; the rest are fields. */
export type VariableNode = {readonly kind: 'variable'; readonly pos: number; readonly ident: readonly string[]};
type ChainNode = {readonly kind: 'chain'; readonly pos: number; readonly node: ArgNode; readonly fields: readonly string[]};
export type IdentifierNode = {readonly kind: 'identifier'; readonly pos: number; readonly name: string};
type LiteralNode =
	| {readonly kind: 'dot'; readonly pos: number}
	| {readonly kind: 'nil'; readonly pos: number}
	| {readonly kind: 'bool'; readonly pos: number; readonly value: boolean}
	| {readonly kind: 'number'; readonly pos: number; readonly value: number; readonly text: string}
	| {readonly kind: 'string'; readonly pos: number; readonly value: string; readonly text: string};
export type ArgNode = FieldNode | VariableNode | ChainNode | IdentifierNode | LiteralNode | PipeNode;
export type CommandNode = {readonly kind: 'command'; readonly pos: number; readonly args: ArgNode[]};
export type PipeNode = {
	readonly kind: 'pipe';
	readonly pos: number;
	readonly decl: VariableNode[];
	isAssign: boolean;
	readonly cmds: CommandNode[];
};

export type ActionNode = {readonly kind: 'action'; readonly pos: number; readonly pipe: PipeNode};
export type ControlNode = {
	readonly kind: 'if' | 'range' | 'with';
	readonly pos: number;
	readonly pipe: PipeNode;
	readonly list: readonly TreeNode[];
	readonly elseList: readonly TreeNode[] | undefined;
};
export type TreeNode = {readonly kind: 'text'; readonly text: string} | {readonly kind: 'break' | 'continue'} | ActionNode | ControlNode;
/** Ends a list; never part of the tree. */
export type ListEnd = {readonly kind: 'end'} | {readonly kind: 'else'};

/** How Go prints a node, for error messages. */
export function nodeString(node: ArgNode | CommandNode | ActionNode): string {
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
