import {tabwrite} from './tabwriter.js';
import {parseTemplate, unescapeFormat} from './gotemplate/index.js';

export type ListOptions = {
	/**
	 * Rendered as a table when the format is empty or just `table`, like docker-machine's default
	 * `ls` format. Its own leading `table` word is optional.
	 */
	defaultTableFormat?: string;
};

const tableWord = /^table(?= |$)/;

/**
 * docker-machine's `ls --format`: every row is rendered through the Go template followed by a
 * newline. A format starting with the word `table` also renders a header, by running the same
 * template over `titles` (field name to column title), and aligns the tab-separated columns the way
 * docker-machine's tabwriter does.
 *
 * As in docker-machine, spaces around the format are dropped and the two-character sequences `\t`
 * and `\n` become a tab and a newline. Throws TemplateError for a bad format or a failing row.
 */
export function renderList(format: string, rows: readonly object[], titles: Readonly<Record<string, string>>, options: ListOptions = {}): string {
	let table = tableWord.test(format);
	let body = trimSpaces(format.replace(tableWord, ''));
	if (body === '' && (table || format === '') && options.defaultTableFormat !== undefined) {
		table = true;
		body = trimSpaces(options.defaultTableFormat.replace(tableWord, ''));
	}

	const template = parseTemplate(`${unescapeFormat(body)}\n`);
	const lines = rows.map(row => template.execute(row));
	if (!table) return lines.join('');
	return tabwrite(template.execute(titles) + lines.join(''));
}

/** Spaces only, as Go's strings.Trim(format, " "): tabs and newlines are part of the format. */
function trimSpaces(text: string): string {
	return text.replaceAll(/^ +| +$/g, '');
}
