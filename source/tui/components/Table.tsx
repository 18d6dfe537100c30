import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {useTheme} from '../theme.js';

/** A column of a list screen's table: its cells are cut at `max` characters. */
export type Column<Key extends string> = {key: Key; title: string; max: number};

export const columnGap = 2;

/** Each column as wide as its widest cell (or title), up to its `max`, plus the gap. */
export function columnWidths<Key extends string>(columns: ReadonlyArray<Column<Key>>, cells: ReadonlyArray<Record<Key, string>>): number[] {
	return columns.map(column => Math.min(column.max, Math.max(column.title.length, ...cells.map(row => row[column.key].length))) + columnGap);
}

/** The titles line, after the cursor's column; `last` titles the free-width column at the end. */
export function TableHeader<Key extends string>({
	columns,
	widths,
	last,
}: {
	readonly columns: ReadonlyArray<Column<Key>>;
	readonly widths: readonly number[];
	readonly last: string;
}) {
	const theme = useTheme();
	return (
		<Box>
			<Box width={2} flexShrink={0} />
			{columns.map((column, index) => (
				<Box key={column.key} width={widths[index]} flexShrink={0}>
					<Text bold color={theme.muted}>
						{column.title}
					</Text>
				</Box>
			))}
			<Text bold color={theme.muted} wrap='truncate-end'>
				{last}
			</Text>
		</Box>
	);
}

/** The cursor's column: ❯ on the selected row. */
export function Cursor({selected}: {readonly selected: boolean}) {
	const theme = useTheme();
	return (
		<Box width={2} flexShrink={0}>
			<Text color={theme.accent}>{selected ? '❯' : ' '}</Text>
		</Box>
	);
}

/** How one cell is drawn, as Ink's Text takes it. */
export type CellStyle = {color?: string; bold?: boolean; dimColor?: boolean};

/**
 * A row's cells after the cursor's column, each as wide as its column and cut at its end: the
 * twin of TableHeader. `style` colours a cell, `content` draws one other than its text.
 */
export function TableCells<Key extends string>({
	columns,
	widths,
	text,
	style,
	content,
}: {
	readonly columns: ReadonlyArray<Column<Key>>;
	readonly widths: readonly number[];
	readonly text: Readonly<Record<Key, string>>;
	readonly style?: (key: Key) => CellStyle;
	readonly content?: (key: Key) => ReactNode;
}) {
	return (
		<>
			{columns.map((column, index) => (
				<Box key={column.key} width={widths[index]} flexShrink={0} paddingRight={columnGap}>
					<Text wrap='truncate-end' {...style?.(column.key)}>
						{content?.(column.key) ?? text[column.key]}
					</Text>
				</Box>
			))}
		</>
	);
}
