import {Box, Text} from 'ink';
import {helpSections, type Context} from '../keymap.js';
import {useTheme} from '../theme.js';

/** `at` is the line's place in the whole help: its key, which scrolling and columns leave alone. */
type Line = ({title: string} | {keys: string; label: string} | {blank: true}) & {at: number};

const keysWidth = 14;
const columnWidth = 44;

/** The help overlay's lines, cut into as many side-by-side columns as the width allows. */
export function helpColumns(context: Context, width: number): Line[][] {
	const lines: Line[] = helpSections(context)
		.flatMap((section, index) => [...(index > 0 ? [{blank: true} as const] : []), {title: section.title}, ...section.lines])
		.map((line, at) => ({...line, at}));
	const count = Math.max(1, Math.floor(width / columnWidth));
	const perColumn = Math.ceil(lines.length / count);
	return Array.from({length: count}, (_, index) => lines.slice(index * perColumn, (index + 1) * perColumn));
}

/** How far the help scrolls at most, so the last lines can be reached and no further. */
export function helpMaxScroll(context: Context, width: number, height: number): number {
	return Math.max(0, (helpColumns(context, width)[0]?.length ?? 0) - height);
}

/** Every key, from the keymap, the current context's first. */
export function Help({context, width, height, scroll}: {readonly context: Context; readonly width: number; readonly height: number; readonly scroll: number}) {
	const theme = useTheme();
	return (
		<Box>
			{helpColumns(context, width).map(column => (
				<Box key={column[0]?.at ?? 0} flexDirection='column' width={columnWidth} flexShrink={0}>
					{column.slice(scroll, scroll + height).map(line => {
						if ('blank' in line) return <Text key={line.at}> </Text>;
						if ('title' in line)
							return (
								<Text key={line.at} bold color={theme.accent}>
									{line.title}
								</Text>
							);
						return (
							<Box key={line.at}>
								<Box width={keysWidth} flexShrink={0}>
									<Text bold>{line.keys}</Text>
								</Box>
								<Box width={columnWidth - keysWidth - 2} flexShrink={0}>
									<Text wrap='truncate-end'>{line.label}</Text>
								</Box>
							</Box>
						);
					})}
				</Box>
			))}
		</Box>
	);
}
