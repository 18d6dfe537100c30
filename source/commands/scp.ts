import type {Command} from '../cli/command.js';
import {boolOption, copyOptions, findProgram, loadMachine, MachinistError, rsyncShellWord, runProgram, sshTarget, type SshTarget} from '../engine/index.js';

type Location = {machine?: string; user?: string; path: string};

/** `[[user@]machine:]path`; no colon, or `localhost:`, is a local path. */
export function parseLocation(text: string): Location {
	const match = /^(?:([^@:/]+)@)?([^:/]+):(.*)$/.exec(text);
	if (!match) return {path: text};
	if (match[2] === 'localhost') return {path: match[3]!};
	return {user: match[1], machine: match[2], path: match[3]!};
}

/** A remote location as scp reads it, with the port in the URI so each machine keeps its own. */
function scpUri(target: SshTarget, location: Location): string {
	const user = location.user ?? target.details.user;
	const host = target.details.host.includes(':') ? `[${target.details.host}]` : target.details.host;
	return `scp://${user}@${host}:${target.details.port}/${location.path}`;
}

function rsyncLocation(target: SshTarget, location: Location): string {
	return `${location.user ?? target.details.user}@${target.details.host}:${location.path}`;
}

const scp: Command = {
	operands: 'machine-paths',
	argsUsage: '[[user@]machine:][path] [[user@]machine:][path]',
	flags: [
		{name: 'recursive', short: 'r', type: 'bool', description: 'Copy files recursively (required to copy directories)'},
		{name: 'delta', short: 'd', type: 'bool', description: 'Reduce amount of data sent over network by sending only the differences (uses rsync)'},
		{name: 'quiet', short: 'q', type: 'bool', description: 'Disables the progress meter as well as warning and diagnostic messages from ssh'},
	],
	async run(input) {
		if (input.args.length !== 2) {
			input.showHelp();
			throw new MachinistError('Error: Improper number of arguments.');
		}

		const [source, destination] = input.args.map(argument => parseLocation(argument)) as [Location, Location];
		const targets = new Map<string, SshTarget>();
		for (const location of [source, destination]) {
			if (location.machine && !targets.has(location.machine)) {
				targets.set(location.machine, await sshTarget(input.engine, await loadMachine(input.engine, location.machine)));
			}
		}

		const options = await copyOptions([...targets.values()]);
		const delta = boolOption(input.flags, 'delta');
		const binary = findProgram(delta ? 'rsync' : 'scp', input.terminal.env);
		if (!binary) {
			throw new MachinistError(
				delta
					? 'You must have a copy of the rsync binary locally to use the --delta option'
					: 'You must have a copy of the scp binary locally to use the scp feature',
			);
		}

		let args: string[];
		if (delta) {
			if (targets.size > 1) throw new MachinistError('Error: --delta copies between this computer and one machine; copy machine to machine without -d');
			const [target] = [...targets.values()];
			const port = target ? ['-p', String(target.details.port)] : [];
			const render = (location: Location) => (location.machine ? rsyncLocation(targets.get(location.machine)!, location) : location.path);
			args = [
				...(boolOption(input.flags, 'quiet') ? [] : ['--progress']),
				'-e',
				['ssh', ...options, ...port].map(word => rsyncShellWord(word)).join(' '),
				...(boolOption(input.flags, 'recursive') ? ['-r'] : []),
				render(source),
				render(destination),
			];
		} else {
			const render = (location: Location) => (location.machine ? scpUri(targets.get(location.machine)!, location) : location.path);
			args = [
				...options,
				'-3',
				...(boolOption(input.flags, 'recursive') ? ['-r'] : []),
				...(boolOption(input.flags, 'quiet') ? ['-q'] : []),
				render(source),
				render(destination),
			];
		}

		return runProgram(binary, args);
	},
};

export default scp;
