import {Box, Text} from 'ink';
import {helpSections, type Context} from '../keymap.js';
import {useTheme} from '../theme.js';

type Line = {title: string} | {keys: string; label: string} | {blank: true};

const keysWidth = 14;
const columnWidth = 44;

/** The help overlay's lines, cut into as many side-by-side columns as the width allows. */
export function helpColumns(context: Context, width: number): Line[][] {
	const lines: Line[] = helpSections(context).flatMap((section, index) => [
		...(index > 0 ? [{blank: true} as const] : []),
		{title: section.title},
		...section.lines,
	]);
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
			{helpColumns(context, width).map((column, index) => (
				<Box key={index} flexDirection='column' width={columnWidth} flexShrink={0}>
					{column.slice(scroll, scroll + height).map((line, lineIndex) => {
						if ('blank' in line) return <Text key={lineIndex}> </Text>;
						if ('title' in line)
							return (
								<Text key={lineIndex} bold color={theme.accent}>
									{line.title}
								</Text>
							);
						return (
							<Box key={lineIndex}>
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
