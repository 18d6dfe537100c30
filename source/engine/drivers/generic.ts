// The generic driver: an existing Linux host reached over SSH.
import {copyFile, chmod, access} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {MachinistError} from '../errors.js';
import {intOption, stringOption} from '../options.js';
import type {MachineState} from '../state.js';
import type {BaseDriverConfig} from '../store/host.js';
import {connectToMachine} from '../ssh/connect.js';
import type {DriverContext} from '../driver-context.js';
import {IpSshDriver} from './ip-ssh.js';
import {numberField, pathOption, portProblem, stringField} from './fields.js';
import type {Driver, DriverDefinition} from './driver.js';
import {dialProblem} from './dial.js';

type GenericConfig = BaseDriverConfig & {EnginePort: number; SSHKey: string};

/** docker-machine's probe: the SSH port answering within 15 s means the host is up. */
const stateProbeTimeoutMs = 15_000;

async function portAnswers(host: string, port: number, signal?: AbortSignal): Promise<boolean> {
	return (await dialProblem(host, port, {timeoutMs: stateProbeTimeoutMs, signal})) === undefined;
}

/** An existing Linux host reached over SSH ("company network / data center" machines). */
class GenericDriver extends IpSshDriver<GenericConfig> implements Driver {
	readonly driverName = 'generic';

	/** The host exists already, so it must answer SSH now; waiting minutes would only hide a typo. */
	readonly sshWaitMs = 12_000;

	async preCreateCheck(context: DriverContext): Promise<void> {
		if (this.config.SSHKey) {
			try {
				await access(this.config.SSHKey);
			} catch {
				throw new MachinistError(`SSH key does not exist: "${this.config.SSHKey}"`);
			}
		}

		const problem = await dialProblem(this.config.IPAddress, this.config.SSHPort, {timeoutMs: 10_000, signal: context.signal});
		if (problem) {
			throw new MachinistError(
				`cannot reach SSH at ${this.config.IPAddress}:${this.config.SSHPort} (${problem}): check --generic-ip-address and --generic-ssh-port, and that sshd runs there`,
			);
		}
	}

	/**
	 * Nothing to make: the host exists. The user's key is copied into the machine directory (as
	 * docker-machine does), so the machine keeps working if the original moves.
	 */
	async create(context: DriverContext): Promise<void> {
		if (!this.config.SSHKey) {
			context.progress?.({
				type: 'log',
				machine: this.config.MachineName,
				message: 'No SSH key specified. Assuming an existing key at the default location.',
			});
			return;
		}

		const target = path.join(context.machineDir, path.basename(this.config.SSHKey));
		await copyFile(this.config.SSHKey, target);
		await chmod(target, 0o600);
		await copyFile(`${this.config.SSHKey}.pub`, `${target}.pub`)
			.then(async () => chmod(`${target}.pub`, 0o600))
			.catch(() => undefined);
		this.config.SSHKeyPath = target;
	}

	async remove(): Promise<void> {
		// The host is the user's; docker-machine leaves it as it is, and so do we.
	}

	async start(): Promise<void> {
		throw new MachinistError('generic driver does not support start');
	}

	async stop(): Promise<void> {
		throw new MachinistError('generic driver does not support stop');
	}

	async kill(): Promise<void> {
		throw new MachinistError('generic driver does not support kill');
	}

	async restart(context: DriverContext): Promise<void> {
		const client = await connectToMachine(this.config.MachineName, await this.sshDetails(), context);
		try {
			// The connection drops as the host goes down; that is success.
			await client.sudo('shutdown -r now', {signal: context.signal}).catch(() => undefined);
		} finally {
			client.close();
		}
	}

	async getState(context: DriverContext): Promise<MachineState> {
		return (await portAnswers(this.config.IPAddress, this.config.SSHPort, context.signal)) ? 'Running' : 'Stopped';
	}

	protected override enginePort(): number {
		return this.config.EnginePort;
	}
}

const definition: DriverDefinition = {
	name: 'generic',
	description: 'An existing Linux host reachable over SSH: Docker is installed and secured with TLS on it.',
	options: [
		{
			name: 'generic-ip-address',
			type: 'string',
			envVar: 'GENERIC_IP_ADDRESS',
			description: 'IP Address of machine',
			required: 'generic driver requires the --generic-ip-address option',
			format: 'ip',
		},
		{name: 'generic-ssh-user', type: 'string', envVar: 'GENERIC_SSH_USER', default: 'root', description: 'SSH user'},
		{
			name: 'generic-ssh-key',
			type: 'string',
			envVar: 'GENERIC_SSH_KEY',
			description: 'SSH private key path (if not provided, default SSH key will be used)',
			format: 'file',
		},
		{
			name: 'generic-ssh-port',
			type: 'int',
			envVar: 'GENERIC_SSH_PORT',
			default: 22,
			description: 'SSH port',
			format: 'port',
			validate: value => portProblem('generic-ssh-port', value),
		},
		{
			name: 'generic-engine-port',
			type: 'int',
			envVar: 'GENERIC_ENGINE_PORT',
			default: 2376,
			description: 'Docker engine port',
			format: 'port',
			advanced: true,
			validate: value => portProblem('generic-engine-port', value),
		},
	],
	fromOptions(base, values) {
		const ip = stringOption(values, 'generic-ip-address');
		if (net.isIP(ip) === 0 && !/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/.test(ip)) {
			throw new MachinistError(`--generic-ip-address "${ip}" is neither an IP address nor a host name`);
		}

		return new GenericDriver({
			...base,
			IPAddress: ip,
			SSHUser: stringOption(values, 'generic-ssh-user'),
			SSHPort: intOption(values, 'generic-ssh-port'),
			SSHKeyPath: '',
			EnginePort: intOption(values, 'generic-engine-port'),
			SSHKey: pathOption(values, 'generic-ssh-key'),
		});
	},
	fromConfig(config) {
		return new GenericDriver({
			...config,
			EnginePort: numberField(config, 'EnginePort', 2376),
			SSHKey: stringField(config, 'SSHKey'),
		});
	},
};

export default definition;
