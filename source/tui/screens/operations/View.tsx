import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import type {Operation} from '../../../engine/index.js';
import {LogTail} from '../../components/LogTail.js';
import {shortDuration} from '../../labels.js';
import {scrollStart, selectedKey} from '../../reducers/list.js';
import {useTheme} from '../../theme.js';
import type {ScreenViewProps} from '../view.js';
import {operationKeys, type OperationsScreen} from './screen.js';

export type OperationsProps = {
	/** Newest first, as listed. */
	readonly operations: readonly Operation[];
	readonly selected?: string;
	readonly height: number;
	readonly now: number;
};

/** Every operation of this session, and the live log of the selected one. */
export function Operations({operations, selected, height, now}: OperationsProps) {
	const theme = useTheme();
	if (operations.length === 0) return <Text color={theme.muted}>No operations yet. Actions on machines run here in the background.</Text>;
	const cursor = operations.findIndex(operation => String(operation.id) === selected);
	const listHeight = Math.min(operations.length, Math.max(3, Math.floor(height / 3)));
	const start = scrollStart(cursor, operations.length, listHeight);
	const current = operations[cursor];
	const logHeight = Math.max(1, height - listHeight - 2);
	return (
		<Box flexDirection='column'>
			{operations.slice(start, start + listHeight).map(operation => {
				const mark = {running: <Spinner type='dots' />, done: <Text color={theme.success}>✔</Text>, failed: <Text color={theme.danger}>✖</Text>}[
					operation.state
				];
				const took = shortDuration((operation.endedAt ?? now) - operation.startedAt);
				return (
					<Box key={operation.id}>
						<Box width={2} flexShrink={0}>
							<Text color={theme.accent}>{String(operation.id) === selected ? '❯' : ' '}</Text>
						</Box>
						<Text wrap='truncate-end'>
							{mark} {operation.kind} <Text bold>{operation.machine}</Text>
							<Text color={theme.muted}>
								{' '}
								{operation.state} · {took}
							</Text>
							{operation.error ? <Text color={theme.danger}> {operation.error.replaceAll('\n', ' ')}</Text> : null}
						</Text>
					</Box>
				);
			})}
			{current ? (
				<Box flexDirection='column' marginTop={1}>
					<Text color={theme.muted}>
						── log of {current.kind} {current.machine} ──
					</Text>
					<LogTail lines={current.log} error={current.error} count={logHeight} />
				</Box>
			) : null}
		</Box>
	);
}

export function OperationsView({state, height, seen}: ScreenViewProps<OperationsScreen>) {
	return (
		<Operations
			operations={seen.operations.toReversed()}
			selected={selectedKey(state.operationList, operationKeys(seen.operations))}
			height={height}
			now={seen.now}
		/>
	);
}
