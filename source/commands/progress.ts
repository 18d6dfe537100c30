import type {Terminal} from '../cli/command.js';
import type {ProgressEvent, ProgressSink} from '../engine/index.js';

type DownloadEvent = Extract<ProgressEvent, {type: 'download'}>;

const barWidth = 30;

/** One redrawn line on a terminal: a bar when the size is known. */
function downloadBar(event: DownloadEvent): string {
	if (!event.total) return `\r(${event.machine}) ${event.message}`;
	const filled = Math.round((event.received / event.total) * barWidth);
	return `\r(${event.machine}) [${'='.repeat(filled)}${' '.repeat(barWidth - filled)}] ${event.message}`;
}

/**
 * Prints engine progress as docker-machine's log lines: info to stdout, driver output as
 * `(machine) line`. Commands meant for `eval` pass stderr instead. A download is a bar redrawn
 * in place on a terminal, and a line every 10% elsewhere (logs, CI).
 */
export function printProgress(terminal: Terminal, stream: 'stdout' | 'stderr' = 'stdout'): ProgressSink {
	const out = terminal[stream];
	const isTty = stream === 'stdout' ? terminal.stdout.isTTY === true : (terminal.stderr as {isTTY?: boolean}).isTTY === true;
	let barOpen = false;
	let lastTenth = -1;
	return event => {
		if (event.type === 'download') {
			const done = event.total !== undefined && event.received >= event.total;
			if (isTty) {
				out.write(downloadBar(event));
				barOpen = !done;
				if (done) out.write('\n');
				return;
			}

			const tenth = event.total ? Math.floor((event.received / event.total) * 10) : Math.floor(event.received / (100 * 1024 * 1024));
			if (tenth !== lastTenth) {
				lastTenth = tenth;
				out.write(`(${event.machine}) ${event.message}\n`);
			}

			return;
		}

		if (barOpen) {
			out.write('\n');
			barOpen = false;
		}

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
