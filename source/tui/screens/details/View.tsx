import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {type CertificateSummary, type MachineRow, type Operation, stateLabel} from '../../../engine/index.js';
import {LogTail} from '../../components/LogTail.js';
import {useMachineDetails} from '../../hooks/useMachineDetails.js';
import {expiry, gibibytes, shortDuration} from '../../labels.js';
import {useServices} from '../../services.js';
import {stateColor, useTheme} from '../../theme.js';
import type {ScreenViewProps} from '../view.js';
import type {DetailsScreen} from './screen.js';

function Field({label, children}: {readonly label: string; readonly children: ReactNode}) {
	const theme = useTheme();
	return (
		<Box>
			<Box width={14} flexShrink={0}>
				<Text color={theme.muted}>{label}</Text>
			</Box>
			<Text wrap='truncate-end'>{children}</Text>
		</Box>
	);
}

function certificate(summary: CertificateSummary, now: number): string {
	if (summary.fromDaemon) {
		const dates = summary.notBefore && summary.notAfter ? `: ${summary.notBefore.toISOString().slice(0, 10)} to ${expiry(summary.notAfter, now)}` : '';
		return `the daemon's own${summary.problem ? ` (handshake failed: ${summary.problem})` : dates}`;
	}

	if (summary.problem) return `${summary.problem} (${summary.path})`;
	return summary.notAfter ? expiry(summary.notAfter, now) : summary.path;
}

const listOrNone = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : '—');

export type DetailsProps = {
	readonly name: string;
	readonly row?: MachineRow;
	readonly operations: readonly Operation[];
	readonly height: number;
	readonly now: number;
};

/** One machine: what the store and driver say, what Docker said last, and its latest operation's log. */
export function Details({name, row, operations, height, now}: DetailsProps) {
	const theme = useTheme();
	const {engine} = useServices();
	const mine = operations.filter(operation => operation.machine === name);
	const settled = mine.filter(operation => operation.state !== 'running').length;
	const {details, error} = useMachineDetails(engine, name, settled);
	if (!row) return <Text color={theme.muted}>{name} is no longer in the store. Esc goes back.</Text>;
	const {info} = row;
	const latest = mine.at(-1);
	const docker = [
		row.dockerVersion ? `v${row.dockerVersion}` : '',
		info?.OperatingSystem ?? '',
		info ? `${info.NCPU} CPUs` : '',
		info ? gibibytes(info.MemTotal) : '',
		info ? `${info.ContainersRunning} of ${info.Containers} containers running` : '',
	]
		.filter(Boolean)
		.join(' · ');
	// The lines above the log: machine, driver, URL, Docker, IP, SSH, engine, three certificates, last error, a gap.
	const fieldLines = details?.serialTail ? 13 : 12;
	return (
		<Box flexDirection='column'>
			<Field label='Machine'>
				<Text bold>{name}</Text>
				{'  '}
				<Text color={row.stale ? theme.warning : stateColor(theme, row.state)}>{row.stale ? 'Timeout' : stateLabel(row.state)}</Text>
				<Text color={theme.muted}>{row.updatedAt === undefined ? '' : `  (asked ${shortDuration(now - row.updatedAt)} ago)`}</Text>
			</Field>
			<Field label='Driver'>{row.driverName}</Field>
			<Field label='URL'>{row.url || '—'}</Field>
			<Field label='Docker'>{docker || '—'}</Field>
			{error ? (
				<Field label='Details'>
					<Text color={theme.danger}>{error}</Text>
				</Field>
			) : null}
			{details ? (
				<>
					<Field label='IP'>{details.ip || '—'}</Field>
					<Field label='SSH'>
						{details.ssh
							? `${details.ssh.user}@${details.ip || '?'} port ${details.ssh.port}${details.ssh.keyPath ? `, key ${details.ssh.keyPath}` : ''}`
							: 'none'}
					</Field>
					<Field label='Engine'>
						{[
							`labels ${listOrNone(details.engine.labels)}`,
							`flags ${listOrNone(details.engine.flags)}`,
							`env ${listOrNone(details.engine.env)}`,
							details.engine.storageDriver ? `storage ${details.engine.storageDriver}` : '',
							details.engine.insecureRegistries.length > 0 ? `insecure ${details.engine.insecureRegistries.join(', ')}` : '',
							details.engine.registryMirrors.length > 0 ? `mirrors ${details.engine.registryMirrors.join(', ')}` : '',
						]
							.filter(Boolean)
							.join(' · ')}
					</Field>
					<Field label='CA cert'>{certificate(details.certificates.ca, now)}</Field>
					<Field label='Client cert'>{certificate(details.certificates.client, now)}</Field>
					<Field label='Server cert'>{certificate(details.certificates.server, now)}</Field>
					{details.serialTail ? (
						<Field label='Console'>
							<Text color={theme.muted} wrap='truncate-end'>
								{details.serialTail.at(-1) ?? '—'}
							</Text>
						</Field>
					) : null}
					<Field label='Last error'>
						<Text color={details.lastError || row.error ? theme.danger : undefined}>{details.lastError ?? (row.error || '—')}</Text>
					</Field>
				</>
			) : null}
			{latest ? (
				<Box flexDirection='column' marginTop={1}>
					<Text color={theme.muted}>
						{latest.kind} · {latest.state}
						{latest.error ? `: ${latest.error}` : ''}
					</Text>
					<LogTail lines={latest.log} count={height - fieldLines - 1} />
				</Box>
			) : null}
		</Box>
	);
}

export function DetailsView({screen: {machine}, height, seen}: ScreenViewProps<DetailsScreen>) {
	return <Details name={machine} row={seen.rows.find(row => row.name === machine)} operations={seen.operations} height={height} now={seen.now} />;
}
