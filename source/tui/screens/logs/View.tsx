import {Box, Text} from 'ink';
import {useMemo} from 'react';
import type {LogLine} from '../../../engine/index.js';
import {useLogFeed} from '../../hooks/useContainers.js';
import {useTerminalSize} from '../../hooks/useTerminalSize.js';
import {useServices} from '../../services.js';
import {useTheme} from '../../theme.js';
import type {ScreenViewProps} from '../view.js';
import {shortTime, shownLines, sourceColumnWidth} from './lines.js';
import type {LogsScreen} from './screen.js';

/** What a terminal program wrote that would move our cursor or change colours: escapes, controls. */
const controls = /\u001B\[[\d;?]*[ -/]*[@-~]|\u001B[@-_]|[\u0000-\u0008\u000B-\u001F\u007F]/g;

function printable(text: string): string {
	return text.replaceAll('\t', '    ').replaceAll(controls, '');
}

/** The lines that fit above and on `bottom`, each `columns` wide, wrapped or cut. */
function windowOf(lines: readonly LogLine[], shown: readonly number[], bottom: number, height: number, width: number, wrap: boolean, prefix: number) {
	const picked: number[] = [];
	let used = 0;
	for (let at = bottom; at >= 0 && used < height; at--) {
		const line = lines[shown[at]!]!;
		const rows = wrap ? Math.max(1, Math.ceil((prefix + printable(line.text).length) / Math.max(1, width))) : 1;
		if (used + rows > height && picked.length > 0) break;
		used += rows;
		picked.push(at);
	}

	return picked.toReversed();
}

export function LogsView({screen, height}: ScreenViewProps<LogsScreen>) {
	const theme = useTheme();
	const {logs} = useServices();
	const {columns} = useTerminalSize();
	const {version, ended} = useLogFeed(logs);
	const lines = logs.lines();
	// eslint-disable-next-line react-hooks/exhaustive-deps -- the feed appends in place: its version says when the lines changed
	const shown = useMemo(() => shownLines(lines, screen.filter), [lines, version, screen.filter]);
	const bottom = screen.follow ? shown.length - 1 : Math.min(screen.bottom, shown.length - 1);
	// A service's lines name their task and node (`web.2@node1`) in a column as wide as the widest.
	// eslint-disable-next-line react-hooks/exhaustive-deps -- as above
	const sourceWidth = useMemo(() => sourceColumnWidth(lines), [lines, version]);
	const prefix = 2 + (screen.timestamps ? 13 : 0) + sourceWidth;
	const bodyHeight = Math.max(1, height - 1);
	const picked = windowOf(lines, shown, bottom, bodyHeight, columns, screen.wrap, prefix);

	const where = screen.follow ? 'following' : `line ${bottom + 1} of ${shown.length} (G follows)`;
	const filter = screen.filter === '' ? '' : ` · /${screen.filter}/ ${shown.length} match${shown.length === 1 ? '' : 'es'}`;
	const modes = `${screen.timestamps ? 'time' : 'no time'} · ${screen.wrap ? 'wrap' : 'cut'}`;
	return (
		<Box flexDirection='column'>
			<Text wrap='truncate-end' color={theme.muted}>
				{where} · {lines.length} lines{filter} · {modes}
				{ended ? <Text color={theme.warning}> · {ended}</Text> : null}
			</Text>
			{lines.length === 0 && !ended ? <Text color={theme.muted}>Reading the logs…</Text> : null}
			{picked.map(at => {
				const line = lines[shown[at]!]!;
				const isCursor = at === screen.cursor;
				return (
					<Box key={shown[at]}>
						<Box width={2} flexShrink={0}>
							<Text color={line.stream === 'stderr' ? theme.danger : theme.muted}>{line.stream === 'stderr' ? '┃' : ' '}</Text>
						</Box>
						{screen.timestamps ? (
							<Box width={13} flexShrink={0}>
								<Text color={theme.muted}>{shortTime(line.time)}</Text>
							</Box>
						) : null}
						{sourceWidth > 0 ? (
							<Box width={sourceWidth} flexShrink={0}>
								<Text wrap='truncate-end' color={theme.accent}>
									{line.source ?? ''}
								</Text>
							</Box>
						) : null}
						<Text wrap={screen.wrap ? 'wrap' : 'truncate-end'} inverse={isCursor} color={line.stream === 'stderr' ? theme.danger : undefined}>
							{printable(line.text)}
						</Text>
					</Box>
				);
			})}
		</Box>
	);
}
