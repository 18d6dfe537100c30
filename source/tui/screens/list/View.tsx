import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import {useEffect} from 'react';
import {type MachineRow, type Operation, stateLabel} from '../../../engine/index.js';
import {operationVerbs, shortDuration} from '../../labels.js';
import {matchesFilter, scrollStart, selectedKey} from '../../reducers/list.js';
import {stateColor, useTheme} from '../../theme.js';
import {Cursor, TableCells, TableHeader, columnWidths, type Column} from '../../components/Table.js';
import type {ScreenViewProps} from '../view.js';
import type {ListScreen} from './screen.js';

type Cells = {name: string; driver: string; state: string; url: string; swarm: string; docker: string; containers: string; errors: string};

const allColumns: Array<Column<keyof Cells>> = [
	{key: 'name', title: 'NAME', max: 24},
	{key: 'driver', title: 'DRIVER', max: 10},
	{key: 'state', title: 'STATE', max: 16},
	{key: 'url', title: 'URL', max: 30},
	{key: 'swarm', title: 'SWARM', max: 20},
	{key: 'docker', title: 'DOCKER', max: 16},
	{key: 'containers', title: 'CONTAINERS', max: 10},
];

/** The latest failure on a machine, kept on its row until dismissed in the operations view. */
function lastFailure(operations: readonly Operation[], machine: string): Operation | undefined {
	return operations.findLast(operation => operation.machine === machine && operation.state === 'failed');
}

function cellsOf(row: MachineRow, busy: Operation | undefined, failed: Operation | undefined, now: number): Cells {
	let errors = row.error;
	if (failed) errors = `${failed.kind} failed: ${failed.error ?? ''}`;
	else if (row.stale) errors = row.updatedAt === undefined ? 'no answer' : `no answer; data from ${shortDuration(now - row.updatedAt)} ago`;
	return {
		name: row.name,
		driver: row.driverName,
		// A spinner (one cell) and the verb stand in for the state while an operation runs.
		state: busy ? `  ${operationVerbs[busy.kind]}` : row.stale ? 'Timeout' : stateLabel(row.state),
		url: row.url,
		swarm: row.swarm,
		docker: row.dockerVersion ? `v${row.dockerVersion}` : row.state === 'Running' && !row.problem ? 'Unknown' : '',
		containers: row.info ? String(row.info.ContainersRunning) : '',
		errors: errors.replaceAll('\n', ' '),
	};
}

export type MachineListProps = {
	readonly rows: readonly MachineRow[];
	readonly loaded: boolean;
	readonly operations: readonly Operation[];
	readonly selected?: string;
	readonly filter: string;
	readonly height: number;
	readonly now: number;
	/** Told which machines are on screen whenever that changes (the poller polls those at the beat). */
	readonly onVisible?: (names: readonly string[]) => void;
};

/** The home screen: one line per machine, updated in place as the poller answers. */
export function MachineList({rows, loaded, operations, selected, filter, height, now, onVisible}: MachineListProps) {
	const theme = useTheme();
	const bodyHeight = Math.max(1, height - 1);
	const start = scrollStart(
		rows.findIndex(row => row.name === selected),
		rows.length,
		bodyHeight,
	);
	const visible = rows
		.slice(start, start + bodyHeight)
		.map(row => row.name)
		.join('\n');
	useEffect(() => {
		onVisible?.(visible === '' ? [] : visible.split('\n'));
	}, [visible, onVisible]);
	if (rows.length === 0) {
		let message = loaded ? 'No machines yet. Press n to create one.' : 'Reading the machine store…';
		if (filter) message = `No machine name contains "${filter}". Esc clears the filter.`;
		return <Text color={theme.muted}>{message}</Text>;
	}

	const table = rows.map(row => {
		const busy = operations.find(operation => operation.machine === row.name && operation.container === undefined && operation.state === 'running');
		const failed = lastFailure(operations, row.name);
		return {row, busy, failed, cells: cellsOf(row, busy, failed, now)};
	});
	// The SWARM column only once some machine is in a swarm: the URL and errors need the width more.
	const columns = table.some(line => line.cells.swarm !== '') ? allColumns : allColumns.filter(column => column.key !== 'swarm');
	const widths = columnWidths(
		columns,
		table.map(line => line.cells),
	);

	return (
		<Box flexDirection='column'>
			<TableHeader columns={columns} widths={widths} last='ERRORS' />
			{table.slice(start, start + bodyHeight).map(({row, busy, failed, cells}) => {
				const isSelected = row.name === selected;
				// A row that stopped answering keeps its last data, dimmed, and says so.
				const dim = row.stale;
				const color = (key: keyof Cells): string | undefined => {
					if (key === 'state') {
						if (busy) return theme.busy;
						return row.stale ? theme.warning : stateColor(theme, row.state);
					}

					return undefined;
				};

				return (
					<Box key={row.name}>
						<Cursor selected={isSelected} />
						<TableCells
							columns={columns}
							widths={widths}
							text={cells}
							style={key => ({color: color(key), bold: isSelected && key === 'name', dimColor: dim && key !== 'name' && key !== 'state'})}
							content={key => (key === 'state' && busy ? <BusyState text={cells.state} /> : undefined)}
						/>
						<Box flexGrow={1}>
							<Text wrap='truncate-end' color={failed || row.state === 'Error' ? theme.danger : theme.muted} dimColor={dim}>
								{cells.errors}
							</Text>
						</Box>
					</Box>
				);
			})}
		</Box>
	);
}

/** The state cell of a machine with work under way: a spinner in place of its first character. */
function BusyState({text}: {readonly text: string}) {
	return (
		<>
			<Spinner type='dots' />
			{text.slice(1)}
		</>
	);
}

/** The list screen: the rows the filter lets through, the selection from the list state. */
export function ListView({state: {list}, height, seen}: ScreenViewProps<ListScreen>) {
	return (
		<MachineList
			rows={seen.rows.filter(row => matchesFilter(row.name, list.filter))}
			loaded={seen.loaded}
			operations={seen.operations}
			selected={selectedKey(
				list,
				seen.rows.map(row => row.name),
			)}
			filter={list.filter}
			height={height}
			now={seen.now}
			onVisible={seen.onVisible}
		/>
	);
}
