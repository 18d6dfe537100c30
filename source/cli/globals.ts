import type {OptionSpec} from '../engine/index.js';

/** docker-machine's global options (reference §1.1), given before the command. */
export const globalOptionSpecs: readonly OptionSpec[] = [
	{name: 'debug', short: 'D', type: 'bool', description: 'Enable debug mode'},
	{name: 'storage-path', short: 's', type: 'string', envVar: 'MACHINE_STORAGE_PATH', description: 'Configures storage path (default: ~/.docker/machine)'},
	{name: 'tls-ca-cert', type: 'string', envVar: 'MACHINE_TLS_CA_CERT', description: 'CA to verify remotes against'},
	{name: 'tls-ca-key', type: 'string', envVar: 'MACHINE_TLS_CA_KEY', description: 'Private key to generate certificates'},
	{name: 'tls-client-cert', type: 'string', envVar: 'MACHINE_TLS_CLIENT_CERT', description: 'Client cert to use for TLS'},
	{name: 'tls-client-key', type: 'string', envVar: 'MACHINE_TLS_CLIENT_KEY', description: 'Private key used in client TLS auth'},
	{name: 'github-api-token', type: 'string', envVar: 'MACHINE_GITHUB_API_TOKEN', description: 'Token to use for requests to the Github API'},
	{name: 'native-ssh', type: 'bool', envVar: 'MACHINE_NATIVE_SSH', description: 'Use the native (Go-based) SSH implementation.'},
	{name: 'bugsnag-api-token', type: 'string', envVar: 'MACHINE_BUGSNAG_API_TOKEN', description: 'BugSnag API token for crash reporting'},
];

/** The options the program answers itself, before any command: listed in `--help` and completed. */
export const helpOptionSpec: OptionSpec = {name: 'help', short: 'h', type: 'bool', description: 'show help'};
export const versionOptionSpec: OptionSpec = {name: 'version', short: 'v', type: 'bool', description: 'print the version'};
