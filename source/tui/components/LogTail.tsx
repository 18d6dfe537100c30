import {Text} from 'ink';
import {useTheme} from '../theme.js';

/**
 * The last `count` lines of an operation's log, and its error last in red. A line's key is its
 * number in the log, which stays its own as more lines are appended and the tail moves on.
 */
export function LogTail({lines, error, count}: {readonly lines: readonly string[]; readonly error?: string; readonly count: number}) {
	const theme = useTheme();
	const numbered = lines.map((text, number) => ({text, number, danger: false}));
	if (error) numbered.push({text: `Error: ${error}`, number: lines.length, danger: true});
	return numbered.slice(-Math.max(1, count)).map(line => (
		<Text key={line.number} wrap='truncate-end' color={line.danger ? theme.danger : undefined}>
			{line.text}
		</Text>
	));
}
