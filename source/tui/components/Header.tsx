import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import type {Operation} from '../../engine/index.js';
import {useTheme} from '../theme.js';

/** The title line: where you are on the left, how much work is in flight on the right. */
export function Header({title, operations}: {readonly title: string; readonly operations: readonly Operation[]}) {
	const theme = useTheme();
	const running = operations.filter(operation => operation.state === 'running').length;
	const failed = operations.filter(operation => operation.state === 'failed').length;
	return (
		<Box flexShrink={0} justifyContent='space-between'>
			<Text wrap='truncate-end'>
				<Text bold color={theme.accent}>
					machinist
				</Text>
				<Text color={theme.muted}> · </Text>
				{title}
			</Text>
			<Text>
				{running > 0 ? (
					<Text color={theme.busy}>
						<Spinner type='dots' /> {running} running
					</Text>
				) : null}
				{running > 0 && failed > 0 ? <Text color={theme.muted}> · </Text> : null}
				{failed > 0 ? <Text color={theme.danger}>{failed} failed (o)</Text> : null}
			</Text>
		</Box>
	);
}
