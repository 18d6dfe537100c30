// The none driver: a Docker daemon that already exists, reached by URL.
import {MachinistError, errorMessage} from '../errors.js';
import {stringOption} from '../options.js';
import type {MachineState} from '../state.js';
import type {BaseDriverConfig} from '../store/host.js';
import type {DriverContext} from '../driver-context.js';
import {dialProblem} from './dial.js';
import type {Driver, DriverDefinition} from './driver.js';
import {stringField} from './fields.js';

type NoneConfig = BaseDriverConfig & {URL: string};

/** How long the state probe waits for the daemon's port; `ls` bounds the whole query anyway. */
const probeTimeoutMs = 5000;

function parseDockerUrl(text: string): URL {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new MachinistError(`--url "${text}" is not a URL: use the form tcp://HOST:PORT`);
	}

	if (url.protocol !== 'tcp:' || url.hostname === '' || url.port === '') {
		throw new MachinistError(`--url "${text}" is not a Docker daemon URL: use the form tcp://HOST:PORT`);
	}

	return url;
}

/** A Docker daemon that already exists and is reached by URL; there is no host to manage. */
class NoneDriver implements Driver {
	readonly driverName = 'none';
	readonly provisions = false;
	readonly config: NoneConfig;

	constructor(config: NoneConfig) {
		this.config = config;
	}

	async preCreateCheck(): Promise<void> {
		parseDockerUrl(this.config.URL);
	}

	async create(): Promise<void> {
		// Nothing to make: the daemon exists already.
	}

	async remove(): Promise<void> {
		// Nothing remote belongs to us.
	}

	async start(): Promise<void> {
		throw new MachinistError('hosts without a driver cannot be started');
	}

	async stop(): Promise<void> {
		throw new MachinistError('hosts without a driver cannot be stopped');
	}

	async restart(): Promise<void> {
		throw new MachinistError('hosts without a driver cannot be restarted');
	}

	async kill(): Promise<void> {
		throw new MachinistError('hosts without a driver cannot be killed');
	}

	/**
	 * docker-machine always said Running here, even for a daemon that had gone away. We look:
	 * Running when the daemon's port answers; otherwise the reason is the machine's error.
	 */
	async getState(context: DriverContext): Promise<MachineState> {
		const url = parseDockerUrl(this.config.URL);
		const problem = await dialProblem(url.hostname.replaceAll(/^\[|\]$/g, ''), Number(url.port), {timeoutMs: probeTimeoutMs, signal: context.signal});
		context.signal?.throwIfAborted();
		if (problem) throw new MachinistError(problem);
		return 'Running';
	}

	async getURL(): Promise<string> {
		return this.config.URL;
	}

	async getIP(): Promise<string> {
		return this.config.IPAddress;
	}

	async sshDetails(): Promise<undefined> {
		return undefined;
	}
}

const definition: DriverDefinition = {
	name: 'none',
	description: 'A Docker daemon that already runs somewhere, reached by its URL; nothing is created or provisioned.',
	options: [
		{
			name: 'url',
			type: 'string',
			description: 'URL of host when no driver is selected',
			required: '--url option is required when no driver is selected',
			format: 'url',
			validate(value) {
				try {
					parseDockerUrl(String(value));
					return undefined;
				} catch (error) {
					return errorMessage(error);
				}
			},
		},
	],
	fromOptions(base, values) {
		const text = stringOption(values, 'url');
		const url = parseDockerUrl(text);
		return new NoneDriver({...base, IPAddress: `${url.hostname}:${url.port}`, URL: text});
	},
	fromConfig(config) {
		return new NoneDriver({...config, URL: stringField(config, 'URL')});
	},
};

export default definition;
