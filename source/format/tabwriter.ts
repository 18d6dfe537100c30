/**
 * Go's text/tabwriter with flags 0, the way docker-machine drives it for `ls`:
 * `tabwriter.NewWriter(w, 5, 1, 3, ' ', 0)`, written once and flushed.
 *
 * A cell is text terminated by a tab. Tab-terminated cells in consecutive lines form a column
 * block; every cell of a block is padded to the block's widest cell plus `padding`, and to at least
 * `minWidth`. The last cell of a line is never part of a column, so it is never padded, while a
 * tab-terminated cell keeps its padding even at the end of a line.
 */
export type TabwriterOptions = {
	/** Minimal width of a column, padding included. */
	minWidth?: number;
	/** Width of a tab character, used only when padding with tabs. */
	tabWidth?: number;
	/** Added to the widest cell of a column block. */
	padding?: number;
	/** One character. Padding with '\t' rounds column widths up to multiples of `tabWidth`. */
	padChar?: string;
};

type Line = {
	readonly cells: Cell[];
	/** Ended by a form feed, which flushes: no block continues past it. */
	readonly formFeed: boolean;
};

type Cell = {
	readonly text: string;
	readonly width: number;
	/** Shared by all the cells of one column block; absent for a line's last cell. */
	block?: {width: number};
};

export function tabwrite(text: string, options: TabwriterOptions = {}): string {
	const {minWidth = 5, tabWidth = 1, padding = 3, padChar = ' '} = options;
	for (const [name, value] of Object.entries({minWidth, tabWidth, padding})) {
		if (!Number.isInteger(value) || value < 0) throw new RangeError(`tabwrite: ${name} must be a non-negative integer, got ${value}`);
	}

	if (codePointCount(padChar) !== 1) throw new RangeError(`tabwrite: padChar must be one character, got ${JSON.stringify(padChar)}`);

	const lines = splitCells(text);

	// A block of column j is a maximal run of consecutive lines that all have a tab-terminated cell
	// j. Such a run never crosses a line lacking column j - 1, so Go's recursive formatting of
	// nested blocks comes down to tracking one open block per column index.
	const open: Array<{width: number}> = [];
	for (const {cells, formFeed} of lines) {
		const columns = Math.max(cells.length - 1, 0);
		if (open.length > columns) open.length = columns;
		for (let index = 0; index < columns; index++) {
			const cell = cells[index]!;
			const block = open[index] ?? {width: minWidth};
			open[index] = block;
			block.width = Math.max(block.width, cell.width + padding);
			cell.block = block;
		}

		if (formFeed) open.length = 0;
	}

	return lines.map(({cells}) => cells.map(cell => cell.text + (cell.block ? pad(cell.width, cell.block.width, padChar, tabWidth) : '')).join('')).join('\n');
}

/** Form feeds end lines (and are output as newlines); vertical tabs end cells like tabs. */
function splitCells(text: string): Line[] {
	const parts = text.split(/([\n\f])/);
	const lines: Line[] = [];
	for (let index = 0; index < parts.length; index += 2) {
		const cells = parts[index]!.split(/[\t\v]/);
		const terminator = parts[index + 1];
		// On the unterminated last line an empty trailing cell was never started, so it does not
		// exist: Go's flush only terminates a cell that holds text.
		if (terminator === undefined && cells.at(-1) === '') cells.pop();
		lines.push({cells: cells.map(cell => ({text: cell, width: codePointCount(cell)})), formFeed: terminator === '\f'});
	}

	return lines;
}

function pad(textWidth: number, cellWidth: number, padChar: string, tabWidth: number): string {
	if (padChar !== '\t') return padChar.repeat(cellWidth - textWidth);
	// Tabs have no width of their own to pad with.
	if (tabWidth === 0) return '';
	const roundedWidth = Math.ceil(cellWidth / tabWidth) * tabWidth;
	return '\t'.repeat(Math.ceil((roundedWidth - textWidth) / tabWidth));
}

function codePointCount(text: string): number {
	let count = 0;
	// Iterating a string walks code points, without building an array of them.
	for (const _ of text) count++;
	return count;
}
