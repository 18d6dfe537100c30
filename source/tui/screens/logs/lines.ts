import type {LogLine} from '../../../engine/index.js';

/**
 * What a log filter matches: the text as a regular expression when it parses (case-insensitive
 * unless it has a capital, as in less and vim's smartcase), else the text itself.
 */
export function lineMatcher(filter: string): ((text: string) => boolean) | undefined {
	if (filter === '') return undefined;
	const flags = /[A-Z]/.test(filter) ? '' : 'i';
	try {
		const pattern = new RegExp(filter, flags);
		return text => pattern.test(text);
	} catch {
		const needle = flags === 'i' ? filter.toLowerCase() : filter;
		return text => (flags === 'i' ? text.toLowerCase() : text).includes(needle);
	}
}

/** The positions of the lines shown: all of them, or those the filter matches (a service's line by its task and node too). */
export function shownLines(lines: readonly LogLine[], filter: string): number[] {
	const matcher = lineMatcher(filter);
	const shown: number[] = [];
	for (const [index, line] of lines.entries()) {
		if (!matcher || matcher(line.source === undefined ? line.text : `${line.source} ${line.text}`)) shown.push(index);
	}

	return shown;
}

/** The widest line source and a space (none for a container's logs), at most a third of a narrow terminal. */
export function sourceColumnWidth(lines: readonly LogLine[]): number {
	let widest = 0;
	for (const line of lines) if (line.source !== undefined && line.source.length > widest) widest = line.source.length;
	return widest === 0 ? 0 : Math.min(widest, 40) + 1;
}

/** The log time as the screen shows it: `01:02:03.456`, in UTC as the daemon gives it. */
export function shortTime(time: string): string {
	return /T(\d\d:\d\d:\d\d(?:\.\d{1,3})?)/.exec(time)?.[1] ?? '';
}
