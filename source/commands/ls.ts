import type {Command} from '../cli/command.js';
import {
	boolOption,
	intOption,
	listOption,
	MachinistError,
	matchesStateFilter,
	naturalCompare,
	parseFilters,
	queryMachines,
	recordFilter,
	stringOption,
} from '../engine/index.js';

const ls: Command = {
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
		const include = await recordFilter(input.engine, hosts, filters);
		const {stdout} = input.terminal;
		const timeoutMs = timeoutSeconds * 1000;

		if (boolOption(input.flags, 'quiet') && filters.state.length === 0) {
			// Names only: nothing needs to be asked of the machines.
			const names = hosts
				.filter(include)
				.map(host => host.Name)
				.sort(naturalCompare);
			stdout.write(names.map(name => `${name}\n`).join(''));
			return;
		}

		const statuses = (await queryMachines(input.engine, entries, {include, timeoutMs})).filter(
			status => status.problem === 'load-error' || matchesStateFilter(status.state, filters),
		);
		if (boolOption(input.flags, 'quiet')) {
			stdout.write(
				statuses
					.filter(status => status.problem === undefined)
					.map(status => `${status.name}\n`)
					.join(''),
			);
			return;
		}

		const {renderMachines} = await import('./ls-render.js');
		stdout.write(renderMachines(statuses, stringOption(input.flags, 'format')));
	},
};

export default ls;
