/** Walks a parsed template over data, as Go's exec.go does, with Go's execution errors. */

import {type Builtin, builtins} from './builtins.js';
import {TemplateError} from './error.js';
import {formatValue} from './fmt.js';
import {
	type ActionNode,
	type ArgNode,
	type CommandNode,
	type ControlNode,
	type IdentifierNode,
	nodeString,
	type PipeNode,
	type TreeNode,
	type VariableNode,
} from './nodes.js';
import {isNil, isTrue, kindOf, sortedKeys, typeName} from './values.js';

/**
 * Called with the arguments as the template evaluated them, the piped value last. Parameters are
 * `any` so that functions can declare the types they expect; a thrown error fails the execution.
 */
export type TemplateFunction = (...args: any[]) => unknown;

type LoopSignal = 'break' | 'continue' | undefined;

/** A value piped into a command, which becomes its last argument. */
type Final = {readonly value: unknown} | undefined;

export class Execution {
	private readonly output: string[] = [];
	private readonly variables: Array<{readonly name: string; value: unknown}>;
	/** The node being evaluated, which error messages point at. */
	private node: ArgNode | CommandNode | ActionNode | undefined;

	constructor(
		private readonly source: string,
		private readonly custom: ReadonlyMap<string, TemplateFunction>,
		data: unknown,
	) {
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
		const {value} = this.findVariable(node.ident[0]!);
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
				if (hasArgs)
					this.fail(kind === 'map' ? `${name} is not a method but has arguments` : `${name} has arguments but cannot be invoked as function`);
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
