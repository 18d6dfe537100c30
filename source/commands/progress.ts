import type {Terminal} from '../cli/command.js';
import type {ProgressSink} from '../engine/index.js';

/**
 * Prints engine progress as docker-machine's log lines: info to stdout, driver output as
 * `(machine) line`. Commands meant for `eval` pass stderr instead.
 */
export function printProgress(terminal: Terminal, stream: 'stdout' | 'stderr' = 'stdout'): ProgressSink {
	const out = terminal[stream];
	return event => {
		switch (event.type) {
			case 'log': {
				out.write(`(${event.machine}) ${event.message}\n`);
				break;
			}

			default: {
				out.write(`${event.message}\n`);
			}
		}
	};
}
