import {MachinistError, stateLabel, type MachineStatus} from '../engine/index.js';
import {goDuration} from '../format/duration.js';
import {renderList} from '../format/list.js';
import {tabwrite} from '../format/tabwriter.js';
import {strictFields, TemplateError} from '../format/gotemplate/index.js';

/**
 * How `ls` prints what it found: JSON, the default table, or a Go template. Loaded only once
 * machines have been asked, so `ls -q` never pays for the template engine.
 */
export const defaultLsFormat = 'table {{ .Name }}\t{{ .Active }}\t{{ .DriverName}}\t{{ .State }}\t{{ .URL }}\t{{ .Swarm }}\t{{ .DockerVersion }}\t{{ .Error}}';

/** Column titles for `table` formats (docker-machine's headers). */
const titles = {
	Name: 'NAME',
	Active: 'ACTIVE',
	ActiveHost: 'ACTIVE_HOST',
	ActiveSwarm: 'ACTIVE_SWARM',
	DriverName: 'DRIVER',
	State: 'STATE',
	URL: 'URL',
	SwarmOptions: 'SWARM_OPTIONS',
	Swarm: 'SWARM',
	EngineOptions: 'ENGINE_OPTIONS',
	Error: 'ERRORS',
	DockerVersion: 'DOCKER',
	ResponseTime: 'RESPONSE',
};

/** One `ls` row with docker-machine's template field names and values. */
export function lsRow(status: MachineStatus) {
	const live = status.problem === undefined;
	return {
		[strictFields]: true,
		Name: status.name,
		Active: live ? (status.activeHost ? '*' : status.activeSwarm ? '* (swarm)' : '-') : '',
		ActiveHost: status.activeHost,
		ActiveSwarm: status.activeSwarm,
		DriverName: status.driverName,
		State: stateLabel(status.state),
		URL: status.url,
		SwarmOptions: status.host?.HostOptions.SwarmOptions ?? null,
		Swarm: status.swarm,
		EngineOptions: status.host?.HostOptions.EngineOptions ?? null,
		Error: status.error,
		DockerVersion: live ? (status.dockerVersion ? `v${status.dockerVersion}` : 'Unknown') : '',
		ResponseTime: goDuration(status.responseTimeMs),
	};
}

const defaultColumns = ['Name', 'Active', 'DriverName', 'State', 'URL', 'Swarm', 'DockerVersion', 'Error'] as const;

export function renderMachines(statuses: readonly MachineStatus[], format: string): string {
	if (format === 'json') {
		const rows = statuses.map(status => {
			const {[strictFields]: _strict, ...row} = lsRow(status);
			return row;
		});
		return `${JSON.stringify(rows, null, 2)}\n`;
	}

	if (/^ *(?:table)? *$/.test(format)) {
		// The default format's columns are all strings, so the template would print them as they
		// are: the same table, without parsing a template on every `ls`.
		const lines = [
			defaultColumns.map(column => titles[column]),
			...statuses.map(status => {
				const row = lsRow(status);
				return defaultColumns.map(column => row[column]);
			}),
		];
		return tabwrite(lines.map(cells => `${cells.join('\t')}\n`).join(''));
	}

	try {
		return renderList(
			format,
			statuses.map(status => lsRow(status)),
			titles,
			{defaultTableFormat: defaultLsFormat},
		);
	} catch (error) {
		if (error instanceof TemplateError) throw new MachinistError(error.message);
		throw error;
	}
}
