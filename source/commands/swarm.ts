import type {Command} from '../cli/command.js';
import {boolOption, initCluster, joinCluster, leaveCluster, listCluster, MachinistError, stringOption, type ClusterNode} from '../engine/index.js';
import {renderList} from '../format/list.js';
import {strictFields, TemplateError} from '../format/gotemplate/index.js';
import {printProgress} from './progress.js';

export const defaultSwarmLsFormat =
	'table {{ .Name }}\t{{ .Role }}\t{{ .ManagerStatus }}\t{{ .Availability }}\t{{ .State }}\t{{ .Address }}\t{{ .Tasks }}\t{{ .EngineVersion }}\t{{ .NodeID }}';

const titles = {
	Name: 'NAME',
	NodeID: 'NODE ID',
	Hostname: 'HOSTNAME',
	Role: 'ROLE',
	Leader: 'LEADER',
	ManagerStatus: 'MANAGER STATUS',
	Availability: 'AVAILABILITY',
	State: 'STATE',
	Address: 'ADDRESS',
	Tasks: 'TASKS',
	EngineVersion: 'ENGINE',
};

function swarmRow(node: ClusterNode) {
	return {
		[strictFields]: true,
		// A node Machinist did not join shows its host name, marked so it is not taken for a machine.
		Name: node.machine || `(${node.hostname})`,
		NodeID: node.id,
		Hostname: node.hostname,
		Role: node.role,
		Leader: node.leader,
		ManagerStatus: node.managerStatus,
		Availability: node.availability,
		State: node.state,
		Address: node.address,
		Tasks: node.tasks,
		EngineVersion: node.engineVersion,
	};
}

const usage = `Usage: machinist swarm COMMAND

  init MANAGER [--advertise-addr ADDR]            make MANAGER the first manager of a new swarm
  join --manager MANAGER NODE... [--role ROLE]    join machines to MANAGER's swarm (worker or manager)
  leave NODE... [--force]                         take machines out of their swarm
  ls [MACHINE] [--format FORMAT]                  list the nodes of a swarm`;

const flagsOf: Record<string, readonly string[]> = {
	init: ['advertise-addr'],
	join: ['manager', 'role', 'advertise-addr'],
	leave: ['force'],
	ls: ['format', 'quiet'],
};

const swarm: Command = {
	argsUsage: 'init|join|leave|ls [ARG...]',
	description: usage,
	flags: [
		{name: 'advertise-addr', type: 'string', description: "init, join: the address other nodes reach this one at (default: the machine's IP)"},
		{name: 'manager', type: 'string', description: 'join: a manager of the swarm to join'},
		{name: 'role', type: 'string', default: 'worker', description: 'join: worker or manager'},
		{name: 'force', short: 'f', type: 'bool', description: 'leave: dissolve the swarm on its last manager; drop an unreachable machine from the node list'},
		{name: 'format', type: 'string', description: 'ls: a Go template, or "json"'},
		{name: 'quiet', short: 'q', type: 'bool', description: 'ls: machine names only'},
	],
	async run(input) {
		const [sub, ...args] = input.args;
		if (sub === undefined || !(sub in flagsOf)) {
			input.showHelp();
			throw new MachinistError(
				sub === undefined
					? 'Error: name a swarm command: init, join, leave or ls'
					: `Error: unknown swarm command "${sub}": use init, join, leave or ls`,
			);
		}

		const stray = Object.keys(input.givenFlags).filter(flag => input.givenFlags[flag] !== undefined && !flagsOf[sub]!.includes(flag));
		if (stray.length > 0) throw new MachinistError(`Error: swarm ${sub} does not take --${stray[0]!}`);
		const {engine, terminal} = input;
		const progress = printProgress(terminal);
		const advertiseAddr = stringOption(input.flags, 'advertise-addr') || undefined;
		switch (sub) {
			case 'init': {
				if (args.length !== 1) throw new MachinistError('Error: swarm init takes one machine name: machinist swarm init MANAGER');
				await initCluster(engine, args[0]!, {progress, advertiseAddr});
				return;
			}

			case 'join': {
				const manager = stringOption(input.flags, 'manager');
				if (manager === '') throw new MachinistError('Error: swarm join needs --manager MANAGER: machinist swarm join --manager MANAGER NODE...');
				if (args.length === 0) throw new MachinistError('Error: swarm join needs the machines to join: machinist swarm join --manager MANAGER NODE...');
				const role = stringOption(input.flags, 'role');
				if (role !== 'worker' && role !== 'manager') throw new MachinistError(`Error: --role must be worker or manager, not "${role}"`);
				await joinCluster(engine, manager, [...new Set(args)], {progress, role, advertiseAddr});
				return;
			}

			case 'leave': {
				if (args.length === 0) throw new MachinistError('Error: swarm leave needs the machines to take out: machinist swarm leave NODE...');
				for (const name of new Set(args)) await leaveCluster(engine, name, {progress, force: boolOption(input.flags, 'force')});
				return;
			}

			default: {
				if (args.length > 1) throw new MachinistError('Error: swarm ls takes at most one machine name');
				const view = await listCluster(engine, args[0]);
				const rows = view.nodes.map(node => swarmRow(node));
				if (boolOption(input.flags, 'quiet')) {
					terminal.stdout.write(
						view.nodes
							.filter(node => node.machine !== '')
							.map(node => `${node.machine}\n`)
							.join(''),
					);
					return;
				}

				const format = stringOption(input.flags, 'format');
				if (format === 'json') {
					terminal.stdout.write(
						`${JSON.stringify(
							rows.map(({[strictFields]: _strict, ...row}) => row),
							null,
							2,
						)}\n`,
					);
					return;
				}

				try {
					terminal.stdout.write(renderList(format || defaultSwarmLsFormat, rows, titles, {defaultTableFormat: defaultSwarmLsFormat}));
				} catch (error) {
					if (error instanceof TemplateError) throw new MachinistError(error.message);
					throw error;
				}
			}
		}
	},
};

export default swarm;
