/**
 * Errors the engine expects and a user can act on. Each carries the process exit code the CLI
 * uses, so faces never need to inspect messages to decide how to end.
 *
 * Exit codes are docker-machine's, which scripts written for it test: 1 for any error, a missing
 * machine included, and 3 for a failed pre-create check. A script tells "missing" apart by the
 * message, as it had to with docker-machine.
 */
export const exitCodes = {
	error: 1,
	preCreateCheck: 3,
} as const;

export class MachinistError extends Error {
	readonly exitCode: number;

	constructor(message: string, options: {exitCode?: number; cause?: unknown} = {}) {
		super(message, options.cause === undefined ? undefined : {cause: options.cause});
		this.name = 'MachinistError';
		this.exitCode = options.exitCode ?? exitCodes.error;
	}
}

export class MachineNotFoundError extends MachinistError {
	readonly machineName: string;

	constructor(name: string, program = 'machinist') {
		super(`Docker machine "${name}" does not exist. Use "${program} ls" to list machines. Use "${program} create" to add a new one.`);
		this.name = 'MachineNotFoundError';
		this.machineName = name;
	}
}

/** The message of any thrown value, without a stack trace. */
export function errorMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return String(error);
}

/** A thrown value as an Error, for promises that reject with Errors only; the message is the same. */
export function asError(error: unknown): Error {
	return error instanceof Error ? error : new Error(String(error));
}

/** Why a signal aborted, as an Error: `abort()` with no reason gives a DOMException, with one whatever was passed. */
export function abortError(signal: AbortSignal): Error {
	return asError(signal.reason);
}
