import {Box, Text} from 'ink';
import type {ClusterNode} from '../../../engine/index.js';
import {useCluster} from '../../hooks/useCluster.js';
import {useServices} from '../../services.js';
import {useTheme} from '../../theme.js';
import type {ScreenViewProps} from '../view.js';
import type {ClusterScreen} from './screen.js';

const columns: Array<{title: string; width: number; cell: (node: ClusterNode) => string}> = [
	{title: 'NAME', width: 16, cell: node => node.machine || `(${node.hostname})`},
	{title: 'ROLE', width: 9, cell: node => node.role},
	{title: 'MANAGER', width: 13, cell: node => node.managerStatus},
	{title: 'AVAILABILITY', width: 14, cell: node => node.availability},
	{title: 'STATE', width: 8, cell: node => node.state},
	{title: 'TASKS', width: 7, cell: node => String(node.tasks)},
	{title: 'ENGINE', width: 16, cell: node => node.engineVersion},
	{title: 'ADDRESS', width: 16, cell: node => node.address},
];

/** The swarm a machine is in, as one of its managers sees it: every node, its role and its tasks. */
export function ClusterView({screen: {machine}, height}: ScreenViewProps<ClusterScreen>) {
	const theme = useTheme();
	const {engine} = useServices();
	const {value: view, error} = useCluster(engine, machine);

	if (!view) return <Text color={error ? theme.danger : theme.muted}>{error ?? `Asking the managers of ${machine}'s swarm…`}</Text>;
	const tasks = view.nodes.reduce((sum, node) => sum + node.tasks, 0);
	return (
		<Box flexDirection='column'>
			<Text>
				<Text bold>swarm {view.cluster}</Text>
				<Text color={theme.muted}>
					{' '}
					· {view.nodes.length} nodes · {tasks} tasks running · as {view.manager} sees it
				</Text>
			</Text>
			{error ? (
				<Text color={theme.warning} wrap='truncate-end'>
					no answer now ({error}); showing the last one
				</Text>
			) : (
				<Text> </Text>
			)}
			<Box>
				{columns.map(column => (
					<Box key={column.title} width={column.width} flexShrink={0}>
						<Text bold color={theme.muted}>
							{column.title}
						</Text>
					</Box>
				))}
			</Box>
			{view.nodes.slice(0, Math.max(1, height - 3)).map(node => (
				<Box key={node.id}>
					{columns.map(column => (
						<Box key={column.title} width={column.width} flexShrink={0} paddingRight={1}>
							<Text
								wrap='truncate-end'
								bold={node.machine === machine && column.title === 'NAME'}
								color={
									column.title === 'STATE'
										? node.state === 'Ready'
											? theme.success
											: theme.danger
										: column.title === 'MANAGER' && node.leader
											? theme.accent
											: undefined
								}
							>
								{column.cell(node)}
							</Text>
						</Box>
					))}
				</Box>
			))}
		</Box>
	);
}
