import type {Command} from '../cli/command.js';
import {MachinistError} from '../engine/errors.js';
import {boolOption, intOption, listOption, stringOption} from '../engine/options.js';
import {stateLabel} from '../engine/state.js';
import {
	matchesRecordFilters,
	matchesStateFilter,
	naturalCompare,
	parseFilters,
	queryMachines,
	type MachineStatus,
} from '../engine/status.js';
import {goDuration} from '../format/duration.js';
import {renderList} from '../format/list.js';
import {strictFields, TemplateError} from '../format/gotemplate/index.js';

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
		Active: live ? (status.activeHost ? '*' : (status.activeSwarm ? '* (swarm)' : '-')) : '',
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

const ls: Command = {
	name: 'ls',
	usage: 'List machines',
	argsUsage: '',
	flags: [
		{name: 'quiet', short: 'q', type: 'bool', description: 'Enable quiet mode'},
		{name: 'filter', type: 'string-list', description: 'Filter output based on conditions provided'},
		{name: 'timeout', short: 't', type: 'int', default: 10, description: 'Timeout in seconds, determines if the machine is considered timed out'},
		{name: 'format', short: 'f', type: 'string', description: 'Pretty-print machines using a Go template, or "json"'},
	],
	async run(input) {
		if (input.args.length > 0) throw new MachinistError(`Error: ls takes no machine names (got ${input.args.join(' ')}); use --filter name=REGEX`);
		const filters = parseFilters(listOption(input.flags, 'filter'));
		const timeoutSeconds = intOption(input.flags, 'timeout');
		if (timeoutSeconds <= 0) throw new MachinistError('Error: --timeout must be a positive number of seconds');
		const entries = await input.engine.store.loadAll();
		const hosts = entries.flatMap(entry => (entry.host ? [entry.host] : []));
		const include = (host: (typeof hosts)[number]) => matchesRecordFilters(host, hosts, filters);
		const {stdout} = input.terminal;
		const timeoutMs = timeoutSeconds * 1000;

		if (boolOption(input.flags, 'quiet') && filters.state.length === 0) {
			// Names only: nothing needs to be asked of the machines.
			const names = hosts.filter(include).map(host => host.Name).sort(naturalCompare);
			stdout.write(names.map(name => `${name}\n`).join(''));
			return;
		}

		const statuses = (await queryMachines(input.engine, entries, {include, timeoutMs}))
			.filter(status => status.problem === 'load-error' || matchesStateFilter(status.state, filters));
		if (boolOption(input.flags, 'quiet')) {
			stdout.write(statuses.filter(status => status.problem === undefined).map(status => `${status.name}\n`).join(''));
			return;
		}

		const format = stringOption(input.flags, 'format');
		if (format === 'json') {
			const rows = statuses.map(status => {
				const {[strictFields]: _strict, ...row} = lsRow(status);
				return row;
			});
			stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
			return;
		}

		try {
			stdout.write(renderList(format || defaultLsFormat, statuses.map(status => lsRow(status)), titles, {defaultTableFormat: defaultLsFormat}));
		} catch (error) {
			if (error instanceof TemplateError) throw new MachinistError(error.message);
			throw error;
		}
	},
};

export default ls;
