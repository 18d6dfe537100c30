// What `create` takes, as data: its own flags (the CLI, `create --help` and the app's form) and a request.
import type {OptionSpec, OptionValue} from '../options.js';
import {defaultInstallUrl, defaultSwarmHost, defaultSwarmImage} from '../store/host.js';

/** The flags `create` takes whatever the driver (reference §1.4 create), as data. */
export const createOptionSpecs: readonly OptionSpec[] = [
	{name: 'driver', short: 'd', type: 'string', envVar: 'MACHINE_DRIVER', description: 'Driver to create machine with.'},
	{
		name: 'engine-install-url',
		type: 'string',
		envVar: 'MACHINE_DOCKER_INSTALL_URL',
		default: defaultInstallUrl,
		description: 'Custom URL to use for engine installation',
		advanced: true,
	},
	{name: 'engine-opt', type: 'string-list', description: 'Specify arbitrary flags to include with the created engine in the form flag=value', advanced: true},
	{name: 'engine-insecure-registry', type: 'string-list', description: 'Specify insecure registries to allow with the created engine', advanced: true},
	{name: 'engine-registry-mirror', type: 'string-list', envVar: 'ENGINE_REGISTRY_MIRROR', description: 'Specify registry mirrors to use', advanced: true},
	{name: 'engine-label', type: 'string-list', description: 'Specify labels for the created engine', advanced: true},
	{name: 'engine-storage-driver', type: 'string', description: 'Specify a storage driver to use with the engine', advanced: true},
	{name: 'engine-env', type: 'string-list', description: 'Specify environment variables to set in the engine', advanced: true},
	{
		name: 'swarm-mode',
		type: 'string',
		description: 'Make the machine a swarm-mode node: "manager" (a new swarm, or --swarm-manager\'s as a manager) or "worker" (with --swarm-manager)',
		advanced: true,
	},
	{name: 'swarm-manager', type: 'string', description: 'With --swarm-mode: a manager machine of the swarm to join', advanced: true},
	{name: 'swarm', type: 'bool', description: 'Configure Machine to join a Swarm cluster', advanced: true},
	{
		name: 'swarm-image',
		type: 'string',
		envVar: 'MACHINE_SWARM_IMAGE',
		default: defaultSwarmImage,
		description: 'Specify Docker image to use for Swarm',
		advanced: true,
	},
	{name: 'swarm-master', type: 'bool', description: 'Configure Machine to be a Swarm master', advanced: true},
	{name: 'swarm-discovery', type: 'string', description: 'Discovery service to use with Swarm', advanced: true},
	{name: 'swarm-strategy', type: 'string', default: 'spread', description: 'Define a default scheduling strategy for Swarm', advanced: true},
	{name: 'swarm-opt', type: 'string-list', description: 'Define arbitrary flags for Swarm master', advanced: true},
	{name: 'swarm-join-opt', type: 'string-list', description: 'Define arbitrary flags for Swarm join', advanced: true},
	{name: 'swarm-host', type: 'string', default: defaultSwarmHost, description: 'ip/socket to listen on for Swarm master', advanced: true},
	{name: 'swarm-addr', type: 'string', description: 'addr to advertise for Swarm (default: detect and use the machine IP)', advanced: true},
	{name: 'swarm-experimental', type: 'bool', description: 'Enable Swarm experimental features', advanced: true},
	{name: 'tls-san', type: 'string-list', description: 'Support extra SANs for TLS certs', advanced: true},
];

export type CreateRequest = {
	name: string;
	driverName: string;
	/** Flag values as given (create's own and the driver's); env vars and defaults fill the rest. */
	given: Readonly<Record<string, OptionValue | undefined>>;
};
