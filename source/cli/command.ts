import type {Engine, OptionSpec, OptionValue} from '../engine/index.js';

/** Where a command writes. Tests pass buffers; the CLI passes the process streams. */
export type Terminal = {
	stdout: {write(text: string): unknown; isTTY?: boolean};
	stderr: {write(text: string): unknown};
	/** Reads one line of an answer (confirmations); undefined when there is no input. */
	readLine(prompt: string): Promise<string | undefined>;
	env: NodeJS.ProcessEnv;
};

export type CommandInput = {
	engine: Engine;
	terminal: Terminal;
	flags: Readonly<Record<string, OptionValue>>;
	/** Flags as typed, before env vars and defaults (create needs to know what was given). */
	givenFlags: Readonly<Record<string, OptionValue>>;
	args: readonly string[];
	/** The words the user typed after the program name, for hint lines (`eval $(machinist env x)`). */
	commandLine: string;
	/** Prints the command's help (the CLI decides where). */
	showHelp(): void;
};

/**
 * A command as the command table names it, without loading its module: `--help`, `CMD --help`
 * and completion all read its one-line description from here.
 */
export type CommandSummary = {name: string; aliases?: string[]; usage: string};

/** One docker-machine command: its flags as data and a thin run that calls the engine. */
export type Command = {
	argsUsage?: string;
	description?: string;
	flags: readonly OptionSpec[];
	/** Flags that depend on the other arguments: `create` adds the chosen driver's. */
	extraFlags?(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<readonly OptionSpec[]>;
	/**
	 * What the positional arguments are, for shell completion: one machine name, several,
	 * `machine:path` operands (scp, mount), command names (help), or one of a fixed list of
	 * words. Unset: nothing to offer.
	 */
	operands?: 'machine' | 'machines' | 'machine-paths' | 'commands' | readonly string[];
	/** Arguments after the first positional are left unparsed (`ssh NAME ls -la`). */
	passThrough?: boolean;
	/** May return the process exit code; undefined means 0. */
	run(input: CommandInput): Promise<number | void>;
};
