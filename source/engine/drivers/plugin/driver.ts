// A docker-machine driver plugin behind the Driver interface: the machine's config.json holds
// what the plugin's GetConfigRaw gives, so docker-machine and machinist share such machines.
import {abortError, MachinistError} from '../../errors.js';
import type {DriverContext, SshDetails} from '../../driver-context.js';
import type {OptionSpec, OptionValue} from '../../options.js';
import type {MachineState} from '../../state.js';
import type {BaseDriverConfig} from '../../store/host.js';
import type {Driver, DriverDefinition} from '../driver.js';
import {go, GobInterface, type GoType} from './gob/types.js';
import {pluginBinaryName} from './installed.js';
import {startPlugin, type PluginProcess} from './process.js';

/** libmachine's state.State, by number. */
const pluginStates: readonly MachineState[] = ['None', 'Running', 'Paused', 'Saved', 'Stopped', 'Stopping', 'Starting', 'Error', 'Timeout'];

const rpcFlagsType = go.struct('RPCFlags', {Values: go.mapOf(go.string, go.interface)});

/** A plugin process ends this long after its last call (the app asks again at its next refresh). */
const idleCloseMs = 2000;

/** Option and config names whose values are secrets: never in a log line or an error. */
const secretName = /token|password|passwd|secret|api-?key|access-?key|private-?key/i;

const valueTypes: Record<OptionSpec['type'], {name: string; type: GoType}> = {
	string: {name: 'string', type: go.string},
	int: {name: 'int', type: go.int},
	bool: {name: 'bool', type: go.bool},
	'string-list': {name: '[]string', type: go.sliceOf(go.string)},
};

/** Replaces every secret value (given as an option or kept in the config) with <REDACTED>. */
function redactor(named: Readonly<Record<string, unknown>>): (text: string) => string {
	const secrets = Object.entries(named)
		.filter(([name, value]) => secretName.test(name) && typeof value === 'string' && value.length >= 4)
		.map(([, value]) => value as string);
	if (secrets.length === 0) return text => text;
	return text => {
		let result = text;
		for (const secret of secrets) result = result.replaceAll(secret, '<REDACTED>');
		return result;
	};
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The config as the bytes SetConfigRaw takes. */
function rawConfig(config: BaseDriverConfig): Uint8Array {
	return textEncoder.encode(JSON.stringify(config));
}

class PluginDriver implements Driver {
	readonly provisions = true;
	private plugin: Promise<PluginProcess> | undefined;
	private busy = 0;
	private idleTimer: NodeJS.Timeout | undefined;

	constructor(
		readonly driverName: string,
		readonly config: BaseDriverConfig,
		/** A new machine's create options, which applyOptions gives the plugin. */
		private readonly options?: {values: Readonly<Record<string, OptionValue>>; specs: readonly OptionSpec[]},
	) {}

	/** SetConfigRaw of the base config (in connect), then SetConfigFromFlags with every create flag's value, as docker-machine does. */
	async applyOptions(env: NodeJS.ProcessEnv): Promise<void> {
		const {options} = this;
		if (!options) return;
		await this.use({env}, async plugin => {
			await plugin.call('SetConfigFromFlags', rpcFlagsType, rpcFlags(options.values, options.specs));
			await this.readConfig(plugin);
		});
	}

	async preCreateCheck(context: DriverContext): Promise<void> {
		await this.act(context, 'PreCreateCheck');
	}

	async create(context: DriverContext): Promise<void> {
		await this.act(context, 'Create');
	}

	async remove(context: DriverContext): Promise<void> {
		await this.act(context, 'Remove');
	}

	async start(context: DriverContext): Promise<void> {
		await this.act(context, 'Start');
	}

	async stop(context: DriverContext): Promise<void> {
		await this.act(context, 'Stop');
	}

	async restart(context: DriverContext): Promise<void> {
		await this.act(context, 'Restart');
	}

	async kill(context: DriverContext): Promise<void> {
		await this.act(context, 'Kill');
	}

	async getState(context: DriverContext): Promise<MachineState> {
		const state = await this.use(context, async plugin => plugin.call('GetState'));
		return pluginStates[Number(state)] ?? 'Error';
	}

	async getURL(context: DriverContext): Promise<string> {
		const url = await this.use(context, async plugin => plugin.call('GetURL'));
		if (typeof url !== 'string' || url === '') throw new MachinistError('Host is not running');
		return url;
	}

	async getIP(context: DriverContext): Promise<string> {
		const ip = await this.use(context, async plugin => plugin.call('GetIP'));
		return typeof ip === 'string' ? ip : '';
	}

	async sshDetails(context: DriverContext): Promise<SshDetails> {
		const [host, port, user, keyPath] = await this.use(context, async plugin =>
			Promise.all(['GetSSHHostname', 'GetSSHPort', 'GetSSHUsername', 'GetSSHKeyPath'].map(async method => plugin.call(method))),
		);
		return {host: String(host), port: Number(port), user: String(user), keyPath: String(keyPath)};
	}

	/** A call that may change the driver's state; the config is read back, as docker-machine saves it after each. */
	private async act(context: DriverContext, method: string): Promise<void> {
		await this.use(context, async plugin => {
			try {
				await plugin.call(method);
			} finally {
				await this.readConfig(plugin).catch(() => undefined);
			}
		});
	}

	/** Takes the plugin's config as this machine's, in place (the record being saved holds this object). */
	private async readConfig(plugin: PluginProcess): Promise<void> {
		const raw = await plugin.call('GetConfigRaw');
		const parsed = JSON.parse(textDecoder.decode(raw as Uint8Array)) as BaseDriverConfig;
		for (const key of Object.keys(this.config)) Reflect.deleteProperty(this.config, key);
		Object.assign(this.config, parsed);
	}

	/** Runs `work` on this machine's plugin, started (and given the config) on first use, ended when idle. */
	private async use<T>(context: Pick<DriverContext, 'env' | 'signal'>, work: (plugin: PluginProcess) => Promise<T>): Promise<T> {
		this.busy++;
		clearTimeout(this.idleTimer);
		context.signal?.throwIfAborted();
		let stop: (() => void) | undefined;
		try {
			const plugin = await this.connect(context.env);
			// A call cannot be taken back over net/rpc: cancelling ends the plugin, and so the call.
			stop = () => {
				void plugin.close();
			};

			context.signal?.addEventListener('abort', stop, {once: true});
			return await work(plugin);
		} catch (error) {
			if (context.signal?.aborted) throw abortError(context.signal);
			throw error;
		} finally {
			if (stop) context.signal?.removeEventListener('abort', stop);
			this.busy--;
			if (this.busy === 0) this.scheduleClose();
		}
	}

	private async connect(env: NodeJS.ProcessEnv): Promise<PluginProcess> {
		const current = await this.plugin?.catch(() => undefined);
		if (current && !current.closed) return current;
		const starting = (async () => {
			const plugin = await startPlugin(this.driverName, env, {
				redact: redactor({...this.config, ...this.options?.values}),
				label: this.config.MachineName || this.driverName,
			});
			try {
				await plugin.call('SetConfigRaw', go.bytes, rawConfig(this.config));
			} catch (error) {
				await plugin.close();
				throw error;
			}

			return plugin;
		})();
		this.plugin = starting;
		starting.catch(() => {
			if (this.plugin === starting) this.plugin = undefined;
		});
		return starting;
	}

	private scheduleClose(): void {
		this.idleTimer = setTimeout(() => {
			const {plugin} = this;
			this.plugin = undefined;
			void plugin?.then(async running => running.close()).catch(() => undefined);
		}, idleCloseMs);
		this.idleTimer.unref();
	}
}

/** libmachine's mcnflag types, by the names gob.Register gave them, as options. */
function optionFromFlag(flag: unknown): OptionSpec | undefined {
	if (!(flag instanceof GobInterface)) return undefined;
	const fields = flag.value as {Name?: string; Usage?: string; EnvVar?: string; Value?: unknown};
	if (!fields?.Name) return undefined;
	const common = {name: fields.Name, description: fields.Usage ?? '', ...(fields.EnvVar ? {envVar: fields.EnvVar} : {})};
	switch (flag.name) {
		case '*mcnflag.StringFlag': {
			return {...common, type: 'string', default: typeof fields.Value === 'string' ? fields.Value : ''};
		}

		case '*mcnflag.IntFlag': {
			return {...common, type: 'int', default: Number(fields.Value ?? 0)};
		}

		case '*mcnflag.BoolFlag': {
			return {...common, type: 'bool'};
		}

		case '*mcnflag.StringSliceFlag': {
			return {...common, type: 'string-list', default: Array.isArray(fields.Value) ? fields.Value.map(String) : []};
		}

		default: {
			return undefined;
		}
	}
}

function rpcFlags(values: Readonly<Record<string, OptionValue>>, specs: readonly OptionSpec[]): {Values: Record<string, GobInterface>} {
	const types = new Map(specs.map(spec => [spec.name, spec.type]));
	const entries = Object.entries(values).map(([name, value]) => {
		const kind =
			types.get(name) ?? (Array.isArray(value) ? 'string-list' : typeof value === 'number' ? 'int' : typeof value === 'boolean' ? 'bool' : 'string');
		const {name: registered, type} = valueTypes[kind];
		return [name, new GobInterface(registered, value, type)] as const;
	});
	return {Values: Object.fromEntries(entries)};
}

/** The definition of a plugin driver: its options are the flags the plugin declares (asked once, from a plugin started for it). */
export async function pluginDefinition(name: string, env: NodeJS.ProcessEnv): Promise<DriverDefinition> {
	const plugin = await startPlugin(name, env);
	let options: OptionSpec[];
	try {
		const flags = await plugin.call('GetCreateFlags');
		options = (Array.isArray(flags) ? flags : []).flatMap(flag => optionFromFlag(flag) ?? []);
	} finally {
		await plugin.close();
	}

	return {
		name,
		description: `Driver plugin ${pluginBinaryName(name)}`,
		options,
		fromOptions: (base, values) => new PluginDriver(name, {...base}, {values, specs: options}),
		fromConfig: config => new PluginDriver(name, config),
	};
}

/** The driver of a stored machine made through a plugin (or by a docker-machine driver this program lacks). */
export function pluginDriver(name: string, config: BaseDriverConfig): Driver {
	return new PluginDriver(name, config);
}
