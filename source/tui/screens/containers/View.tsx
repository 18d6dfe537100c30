import {Box, Text} from 'ink';
import {useEffect} from 'react';
import {statusAfter, statusChangesIn, type ContainerStats, type ContainerTable} from '../../../engine/index.js';
import {Cursor, TableCells, TableHeader, columnWidths, type Column} from '../../components/Table.js';
import {useClock} from '../../hooks/useClock.js';
import {useContainerStats} from '../../hooks/useContainers.js';
import {shortDuration, shortDurationChangesIn} from '../../labels.js';
import {scrollStart} from '../../reducers/list.js';
import {useServices} from '../../services.js';
import {useTheme, type Theme} from '../../theme.js';
import type {ScreenViewProps} from '../view.js';
import {parseFilter, type ContainerRow} from './rows.js';
import {selectedRow, shownRows, type ContainersScreen} from './screen.js';

type Key = 'machine' | 'name' | 'image' | 'state' | 'status' | 'ports' | 'created';

const allColumns: Array<Column<Key>> = [
	{key: 'machine', title: 'MACHINE', max: 20},
	{key: 'name', title: 'NAME', max: 28},
	{key: 'image', title: 'IMAGE', max: 28},
	{key: 'state', title: 'STATE', max: 10},
	{key: 'status', title: 'STATUS', max: 26},
	{key: 'ports', title: 'PORTS', max: 40},
	{key: 'created', title: 'CREATED', max: 10},
];

function stateTone(theme: Theme, state: string): string | undefined {
	if (state === 'running') return theme.success;
	if (state === 'paused' || state === 'restarting') return theme.warning;
	if (state === 'dead') return theme.danger;
	return theme.muted;
}

function mebibytes(bytes: number): string {
	return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)}GiB` : `${(bytes / 1024 ** 2).toFixed(1)}MiB`;
}

function usage(stats: ContainerStats | undefined, row: ContainerRow): string {
	if (row.state !== 'running') return '';
	if (!stats) return 'CPU … MEM …';
	return `CPU ${stats.cpuPercent.toFixed(1)}% MEM ${mebibytes(stats.memoryBytes)}`;
}

/** The machines whose daemons do not answer: their rows are the last known, and this says why. */
function Problems({tables}: {readonly tables: readonly ContainerTable[]}) {
	const theme = useTheme();
	const failing = tables.filter(table => table.state === 'Timeout');
	if (failing.length === 0) return null;
	const first = failing[0]!;
	const more = failing.length > 1 ? ` (and ${failing.length - 1} more)` : '';
	return (
		<Text wrap='truncate-end' color={theme.warning}>
			{first.machine}: Timeout{more} — {first.error ?? 'no answer'}; reconnecting
		</Text>
	);
}

/** The filter's chips (`state=running`, `machine=web`) and words, while one is set. */
function FilterLine({filter}: {readonly filter: string}) {
	const theme = useTheme();
	if (filter === '') return null;
	const {states, machines, words} = parseFilter(filter);
	const chips = [...states.map(state => `state=${state}`), ...machines.map(machine => `machine=${machine}`)];
	return (
		<Text wrap='truncate-end'>
			<Text color={theme.muted}>filter </Text>
			{chips.map(chip => (
				<Text key={chip} inverse color={theme.accent}>{` ${chip} `}</Text>
			))}
			{words.length > 0 ? <Text> {words.join(' ')}</Text> : null}
		</Text>
	);
}

export function ContainersView({screen, height, seen}: ScreenViewProps<ContainersScreen>) {
	const theme = useTheme();
	const {containers: feed} = useServices();
	const running = seen.rows
		.filter(row => row.state === 'Running')
		.map(row => row.name)
		.join('\n');
	const watched = screen.machine ?? running;
	useEffect(() => {
		feed.watch(watched === '' ? [] : watched.split('\n'));
	}, [feed, watched]);

	const tables = seen.containers.filter(table => screen.machine === undefined || table.machine === screen.machine);
	const rows = shownRows(screen, {containers: () => seen.containers});
	const selected = selectedRow(screen, rows);
	const stats = useContainerStats(feed, selected?.state === 'running' ? selected.machine : undefined, selected?.id);
	const columns = screen.machine === undefined ? allColumns : allColumns.filter(column => column.key !== 'machine');
	const chrome = 1 + (screen.filter === '' ? 0 : 1) + (tables.some(table => table.state === 'Timeout') ? 1 : 0);
	const bodyHeight = Math.max(1, height - chrome);
	const cursor = selected ? rows.indexOf(selected) : -1;
	const start = scrollStart(cursor, rows.length, bodyHeight);
	const page = rows.slice(start, start + bodyHeight);
	// STATUS and CREATED count on between the daemon's reports, which come only on its events:
	// the page is drawn again when the first of its texts would read differently.
	const now = useClock(seen.now, at =>
		Math.min(
			60_000,
			...page.map(row => Math.min(statusChangesIn(row.status, at - row.listedAt) ?? 60_000, shortDurationChangesIn(at - row.created * 1000))),
		),
	);
	const cells = (row: ContainerRow): Record<Key, string> => ({
		...row,
		status: row.listedAt === 0 ? row.status : statusAfter(row.status, now - row.listedAt),
		created: `${shortDuration(now - row.created * 1000)} ago`,
	});
	const widths = columnWidths(
		columns,
		page.map(row => cells(row)),
	);

	let empty: string | undefined;
	if (rows.length === 0) {
		const connecting = tables.every(table => table.state === 'Connecting');
		if (screen.filter !== '') empty = 'No container matches the filter. Esc clears it.';
		else if (connecting) empty = screen.machine === undefined && running === '' ? 'No machine is running.' : 'Asking the Docker daemon…';
		else empty = screen.all ? 'No containers.' : 'No running containers. a shows stopped ones too.';
	}

	return (
		<Box flexDirection='column'>
			<Problems tables={tables} />
			<FilterLine filter={screen.filter} />
			<TableHeader columns={columns} widths={widths} last={screen.all ? '' : '(running only)'} />
			{empty ? <Text color={theme.muted}>{empty}</Text> : null}
			{page.map(row => {
				const isSelected = row === selected;
				const text = cells(row);
				return (
					<Box key={row.key}>
						<Cursor selected={isSelected} />
						<TableCells
							columns={columns}
							widths={widths}
							text={text}
							style={key => ({
								bold: isSelected && key === 'name',
								dimColor: row.stale,
								color: key === 'state' ? stateTone(theme, row.state) : undefined,
							})}
						/>
						<Box flexGrow={1}>
							<Text wrap='truncate-end' color={theme.accent}>
								{isSelected ? usage(stats, row) : ''}
							</Text>
						</Box>
					</Box>
				);
			})}
		</Box>
	);
}
