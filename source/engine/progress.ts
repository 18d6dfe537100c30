/**
 * What long operations report while they run. The engine never prints: the CLI renders these
 * as docker-machine's log lines, the TUI as a live log.
 */
export type ProgressEvent =
	/** A step docker-machine prints as an info line ("Creating machine..."). */
	| {type: 'step'; message: string}
	/** Output relayed from a driver, printed as "(<machine>) <line>". */
	| {type: 'log'; machine: string; message: string}
	| {type: 'warning'; message: string}
	/** A download's progress: a bar on a terminal, plain lines elsewhere. `message` says it in words. */
	| {type: 'download'; machine: string; message: string; received: number; total?: number};

export type ProgressSink = (event: ProgressEvent) => void;

export const ignoreProgress: ProgressSink = () => undefined;
