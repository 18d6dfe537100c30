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

/** The positions of the lines shown: all of them, or those the filter matches. */
export function shownLines(lines: readonly LogLine[], filter: string): number[] {
	const matcher = lineMatcher(filter);
	const shown: number[] = [];
	for (let index = 0; index < lines.length; index++) if (!matcher || matcher(lines[index]!.text)) shown.push(index);
	return shown;
}

/** The log time as the screen shows it: `01:02:03.456`, in UTC as the daemon gives it. */
export function shortTime(time: string): string {
	return /T(\d\d:\d\d:\d\d(?:\.\d{1,3})?)/.exec(time)?.[1] ?? '';
}
