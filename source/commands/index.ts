import type {Command, CommandSummary} from '../cli/command.js';

type CommandEntry = CommandSummary & {load: () => Promise<{default: Command}>};

/**
 * The command table. Names and usage lines live here, and only here, so `--help` needs no
 * command module; each module loads only when its command runs, keeping `env` and `ls` fast to
 * start.
 */
export const commandTable: readonly CommandEntry[] = [
	{name: 'active', usage: 'Print which machine is active', load: async () => import('./active.js')},
	{name: 'completion', usage: 'Print a shell completion script (bash, zsh, fish)', load: async () => import('./completion.js')},
	{name: 'config', usage: 'Print the connection config for machine', load: async () => import('./config.js')},
	{name: 'create', usage: 'Create a machine', load: async () => import('./create.js')},
	{name: 'env', usage: 'Display the commands to set up the environment for the Docker client', load: async () => import('./env.js')},
	{name: 'inspect', usage: 'Inspect information about a machine', load: async () => import('./inspect.js')},
	{name: 'ip', usage: 'Get the IP address of a machine', load: async () => import('./ip.js')},
	{name: 'kill', usage: 'Kill a machine', load: async () => import('./power.js').then(module => ({default: module.kill}))},
	{name: 'ls', usage: 'List machines', load: async () => import('./ls.js')},
	{name: 'mount', usage: 'Mount or unmount a directory from a machine with SSHFS.', load: async () => import('./mount.js')},
	{name: 'port', usage: 'Forward a port on 127.0.0.1 to a local machine', load: async () => import('./port.js')},
	{name: 'provision', usage: 'Re-provision existing machines', load: async () => import('./provision.js')},
	{name: 'regenerate-certs', usage: 'Regenerate TLS Certificates for a machine', load: async () => import('./regenerate-certs.js')},
	{name: 'restart', usage: 'Restart a machine', load: async () => import('./power.js').then(module => ({default: module.restart}))},
	{name: 'rm', usage: 'Remove a machine', load: async () => import('./rm.js')},
	{name: 'scp', usage: 'Copy files between machines', load: async () => import('./scp.js')},
	{name: 'set', usage: "Change a local machine's CPUs, memory or disk size", load: async () => import('./set.js')},
	{name: 'ssh', usage: 'Log into or run a command on a machine with SSH.', load: async () => import('./ssh.js')},
	{name: 'start', usage: 'Start a machine', load: async () => import('./power.js').then(module => ({default: module.start}))},
	{name: 'status', usage: 'Get the status of a machine', load: async () => import('./status.js')},
	{name: 'stop', usage: 'Stop a machine', load: async () => import('./power.js').then(module => ({default: module.stop}))},
	{name: 'swarm', usage: 'Make machines one swarm-mode cluster: init, join, leave, ls', load: async () => import('./swarm.js')},
	{name: 'upgrade', usage: 'Upgrade a machine to the latest version of Docker', load: async () => import('./upgrade.js')},
	{name: 'url', usage: 'Get the URL of a machine', load: async () => import('./url.js')},
	{name: 'version', usage: 'Show the Docker Machine version or a machine docker version', load: async () => import('./version.js')},
	{name: 'help', aliases: ['h'], usage: 'Shows a list of commands or help for one command', load: async () => import('./help.js')},
];

export function findCommand(name: string): CommandEntry | undefined {
	return commandTable.find(entry => entry.name === name || entry.aliases?.includes(name));
}
