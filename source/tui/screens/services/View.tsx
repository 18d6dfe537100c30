import {Box, Text} from 'ink';
import {useMemo} from 'react';
import type {ServiceRow, ServiceTask} from '../../../engine/index.js';
import {Cursor, TableCells, TableHeader, columnWidths, type Column} from '../../components/Table.js';
import {TextField} from '../../components/TextField.js';
import {usePolled} from '../../hooks/usePolled.js';
import {scrollStart} from '../../reducers/list.js';
import {useServices} from '../../services.js';
import {useTheme, type Theme} from '../../theme.js';
import type {ScreenViewProps} from '../view.js';
import {selectedService, type ScaleQuestion, type ServicesScreen} from './screen.js';

type Key = 'name' | 'mode' | 'replicas' | 'image' | 'ports';

const columns: Array<Column<Key>> = [
	{key: 'name', title: 'NAME', max: 28},
	{key: 'mode', title: 'MODE', max: 14},
	{key: 'replicas', title: 'REPLICAS', max: 10},
	{key: 'image', title: 'IMAGE', max: 36},
	{key: 'ports', title: 'PORTS', max: 40},
];

function cells(row: ServiceRow): Record<Key, string> {
	return {...row, replicas: `${row.running}/${row.desired}`};
}

function stateTone(theme: Theme, state: string): string | undefined {
	if (state === 'running') return theme.success;
	if (state === 'failed' || state === 'rejected' || state === 'orphaned') return theme.danger;
	return theme.muted;
}

/** The selected service's tasks, one block per node: `docker service ps` turned on its side. */
function Tasks({service, height}: {readonly service: ServiceRow; readonly height: number}) {
	const theme = useTheme();
	const byNode = new Map<string, ServiceTask[]>();
	for (const task of service.tasks) byNode.set(task.node, [...(byNode.get(task.node) ?? []), task]);
	const lines = [...byNode].flatMap(([node, tasks]) => [{node}, ...tasks.map(task => ({task}))]).slice(0, Math.max(1, height));
	return (
		<Box flexDirection='column'>
			<Text bold>
				tasks of {service.name} per node
				<Text color={theme.muted}> (NAME DESIRED CURRENT ERROR)</Text>
			</Text>
			{service.tasks.length === 0 ? <Text color={theme.muted}>No tasks.</Text> : null}
			{lines.map(line =>
				'node' in line ? (
					<Text key={`node ${line.node}`} color={theme.accent}>
						{line.node}
					</Text>
				) : (
					<Box key={line.task.id}>
						<Box width={4} flexShrink={0} />
						<Box width={20} flexShrink={0}>
							<Text wrap='truncate-end'>{line.task.name}</Text>
						</Box>
						<Box width={10} flexShrink={0}>
							<Text color={theme.muted}>{line.task.desiredState}</Text>
						</Box>
						<Box width={10} flexShrink={0}>
							<Text color={stateTone(theme, line.task.state)}>{line.task.state}</Text>
						</Box>
						<Text wrap='truncate-end' color={theme.danger}>
							{line.task.error}
						</Text>
					</Box>
				),
			)}
		</Box>
	);
}

function ScaleLine({question, service}: {readonly question: ScaleQuestion; readonly service?: ServiceRow}) {
	const theme = useTheme();
	return (
		<Box flexDirection='column'>
			<Text>
				<Text bold>Scale {question.service} to </Text>
				<TextField value={question.field.value} caret={question.field.caret} />
				<Text color={theme.muted}> replicas{service ? ` (now ${service.desired})` : ''}</Text>
			</Text>
			<Text wrap='truncate-end' color={theme.danger}>
				{question.error ?? ' '}
			</Text>
		</Box>
	);
}

export function ServicesView({screen, height}: ScreenViewProps<ServicesScreen>) {
	const theme = useTheme();
	const {swarmServices} = useServices();
	const poller = useMemo(() => swarmServices.poller(screen.machine), [swarmServices, screen.machine]);
	const {value: rows, error} = usePolled(poller);
	if (!rows) return <Text color={error ? theme.danger : theme.muted}>{error ?? `Asking ${screen.machine} for its swarm's services…`}</Text>;

	const selected = selectedService(screen, rows);
	const widths = columnWidths(
		columns,
		rows.map(row => cells(row)),
	);
	const chrome = 2 + (screen.scaling ? 2 : 0);
	// The services take up to half the body; the selected one's tasks the rest.
	const listHeight = Math.max(1, Math.min(rows.length, Math.floor((height - chrome) / 2)));
	const cursor = selected ? rows.indexOf(selected) : -1;
	const start = scrollStart(cursor, rows.length, listHeight);
	return (
		<Box flexDirection='column'>
			{error ? (
				<Text wrap='truncate-end' color={theme.warning}>
					no answer now ({error}); showing the last one
				</Text>
			) : null}
			{screen.scaling ? <ScaleLine question={screen.scaling} service={selected} /> : null}
			<TableHeader columns={columns} widths={widths} last='' />
			{rows.length === 0 ? <Text color={theme.muted}>No services in this swarm.</Text> : null}
			{rows.slice(start, start + listHeight).map(row => {
				const text = cells(row);
				return (
					<Box key={row.id}>
						<Cursor selected={row === selected} />
						<TableCells
							columns={columns}
							widths={widths}
							text={text}
							style={key => ({
								bold: row === selected && key === 'name',
								color: key === 'replicas' ? (row.running === row.desired ? theme.success : theme.warning) : undefined,
							})}
						/>
					</Box>
				);
			})}
			<Text> </Text>
			{selected ? <Tasks service={selected} height={height - chrome - listHeight - 2} /> : null}
		</Box>
	);
}
