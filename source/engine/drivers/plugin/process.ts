// Starting a docker-machine driver plugin (docker-machine-driver-NAME on PATH), keeping it alive
// with heartbeats, and ending it: Close, then a kill if it lingers. No plugin outlives the command.
import {spawn, type ChildProcess} from 'node:child_process';
import net from 'node:net';
import {createInterface} from 'node:readline';
import {MachinistError} from '../../errors.js';
import {findProgram} from '../../programs.js';
import {pluginBinaryName} from './installed.js';
import {pluginLog, track, untrack} from './lifecycle.js';
import {RpcClient, RpcError} from './rpc.js';

/** docker-machine's values: 10 s for the address, a heartbeat every 5 s (the plugin quits after 10 s without one). */
export const pluginTimings = {addressTimeoutMs: 10_000, heartbeatMs: 5000, closeWaitMs: 1000};
const keptLogLines = 60;
const goStackLine = /^(\s|goroutine \d+ \[|created by |[\w./*()-]+\(.*\)$)/;
const protocolVersion = 1;

/** One running plugin: its RPC client, the service name it answers to, its last log lines. */
export class PluginProcess {
	readonly logs: string[] = [];
	service = 'RPCServerDriver';
	private client: RpcClient | undefined;
	private heartbeat: NodeJS.Timeout | undefined;
	private readonly exited: Promise<string>;
	private closing: Promise<void> | undefined;

	constructor(
		readonly driverName: string,
		readonly child: ChildProcess,
		/** Hides secret values in log lines and errors. */
		readonly redact: (text: string) => string,
		/** Whose lines these are in the debug log: the machine's name, as docker-machine shows them. */
		readonly label: string,
	) {
		this.exited = new Promise(resolve => {
			child.once('exit', (code, signal) => {
				resolve(signal ? `was killed by ${signal}` : `exited with code ${code ?? 0}`);
			});
		});
		child.once('error', () => undefined);
	}

	get closed(): boolean {
		return this.closing !== undefined;
	}

	get binary(): string {
		return pluginBinaryName(this.driverName);
	}

	log(line: string): void {
		const clean = this.redact(line);
		this.logs.push(clean);
		if (this.logs.length > keptLogLines) this.logs.shift();
		pluginLog(this.label, clean);
	}

	/** The plugin's last log lines, to follow an error. */
	tail(count: number): string {
		// A Go panic's goroutine dump says nothing to a user; its "panic:" line does.
		const lines = this.logs.filter(line => line.trim() !== '' && !goStackLine.test(line)).slice(-count);
		return lines.length === 0 ? '' : `\n${this.binary} said:\n${lines.map(line => `  ${line}`).join('\n')}`;
	}

	async attach(client: RpcClient): Promise<void> {
		this.client = client;
		const version = await this.call('GetVersion').catch(async (error: unknown) => {
			if (!(error instanceof RpcError) || !error.message.includes("can't find service")) throw error;
			this.service = 'RpcServerDriver';
			return this.call('GetVersion');
		});
		if (version !== protocolVersion) {
			throw new MachinistError(
				`${this.binary} speaks plugin protocol version ${String(version)}; machinist speaks version ${protocolVersion}: use a plugin built for docker-machine 0.16`,
			);
		}

		this.heartbeat = setInterval(() => {
			void this.call('Heartbeat').catch(() => undefined);
		}, pluginTimings.heartbeatMs);
		this.heartbeat.unref();
	}

	/** Calls `Method` on the driver service; a failure carries what the plugin logged meanwhile. */
	async call(method: string, ...argument: Parameters<RpcClient['call']> extends [string, ...infer Rest] ? Rest : never): Promise<unknown> {
		if (!this.client) throw new MachinistError(`${this.binary} is not connected`);
		const logged = this.logs.length;
		try {
			return await this.client.call(`${this.service}.${method}`, ...argument);
		} catch (error) {
			if (error instanceof RpcError && error.fromServer) {
				// What it logged before answering may still be in the pipe.
				await wait(50);
				const fresh = Math.min(this.logs.length - logged, 5);
				throw new MachinistError(this.redact(error.message) + (fresh > 0 ? this.tail(fresh) : ''));
			}

			const how = await Promise.race([this.exited, wait(200).then(() => undefined)]);
			throw new MachinistError(`${this.binary} ${how ?? 'stopped answering'} during ${method}${this.tail(10)}`);
		}
	}

	kill(): void {
		this.child.kill('SIGKILL');
	}

	/** Close (the plugin exits on it), then a kill if it has not exited within a second. */
	async close(): Promise<void> {
		this.closing ??= (async () => {
			clearInterval(this.heartbeat);
			untrack(this);
			if (this.child.exitCode === null && this.child.signalCode === null) {
				if (!this.client || this.client.closed) {
					// Never connected (no address, or a refused one) or already gone: nothing to ask.
					this.kill();
					return;
				}

				await Promise.race([this.call('Close').catch(() => undefined), wait(pluginTimings.closeWaitMs)]);
				const exited = await Promise.race([this.exited.then(() => true), wait(pluginTimings.closeWaitMs).then(() => false)]);
				if (!exited) this.child.kill('SIGKILL');
			}

			this.client?.close();
		})();
		return this.closing;
	}
}

async function wait(ms: number): Promise<void> {
	return new Promise(resolve => {
		setTimeout(resolve, ms).unref();
	});
}

/** The address line, accepted only on loopback: the plugin must not listen where others reach it. */
function loopbackAddress(line: string): {host: string; port: number} | undefined {
	const match = /^(?:\[([^\]]+)]|([^:]+)):(\d+)$/.exec(line.trim());
	if (!match) return undefined;
	const host = match[1] ?? match[2]!;
	const port = Number(match[3]);
	const loopback = (net.isIPv4(host) && host.startsWith('127.')) || host === '::1' || host === 'localhost';
	return loopback && port > 0 && port < 65_536 ? {host: host === 'localhost' ? '127.0.0.1' : host, port} : undefined;
}

/**
 * Starts the plugin of `driverName` with the token in its environment, reads its address from
 * its first line within 10 s, connects and checks its protocol version.
 */
export async function startPlugin(
	driverName: string,
	env: NodeJS.ProcessEnv,
	options: {redact?: (text: string) => string; label?: string} = {},
): Promise<PluginProcess> {
	const redact = options.redact ?? ((text: string) => text);
	const binary = findProgram(pluginBinaryName(driverName), env);
	if (!binary) {
		throw new MachinistError(`Driver "${driverName}" is neither built in nor installed as a plugin: install ${pluginBinaryName(driverName)} on your PATH`);
	}

	const child = spawn(binary, [], {env: {...env, MACHINE_PLUGIN_TOKEN: '42'}, stdio: ['ignore', 'pipe', 'pipe']});
	const plugin = new PluginProcess(driverName, child, redact, options.label ?? driverName);
	track(plugin);
	try {
		const address = await firstLine(plugin);
		const where = loopbackAddress(address);
		if (!where) {
			const quoted = `"${redact(address.trim().slice(0, 200))}"`;
			throw new MachinistError(
				/^\S*:\d+$/.test(address.trim())
					? `${plugin.binary} listens on ${quoted}: a plugin must listen on 127.0.0.1 only`
					: `${plugin.binary} did not start as a plugin: its first line was ${quoted}, not an address${plugin.tail(10)}`,
			);
		}

		await plugin.attach(await RpcClient.connect(where.host, where.port, pluginTimings.addressTimeoutMs));
		return plugin;
	} catch (error) {
		await plugin.close();
		if (error instanceof MachinistError) throw error;
		throw new MachinistError(`${plugin.binary}: ${(error as Error).message}${plugin.tail(10)}`);
	}
}

/** The first stdout line; every later line of stdout and stderr is a log line. */
async function firstLine(plugin: PluginProcess): Promise<string> {
	const {child} = plugin;
	const stderr = createInterface({input: child.stderr!});
	stderr.on('line', line => {
		plugin.log(line);
	});
	const stdout = createInterface({input: child.stdout!});
	return new Promise((resolve, reject) => {
		let first = true;
		const timer = setTimeout(() => {
			reject(new MachinistError(`${plugin.binary} did not print its address within ${pluginTimings.addressTimeoutMs / 1000} s${plugin.tail(10)}`));
		}, pluginTimings.addressTimeoutMs);
		stdout.on('line', line => {
			if (!first) {
				plugin.log(line);
				return;
			}

			first = false;
			clearTimeout(timer);
			resolve(line);
		});
		child.once('exit', (code, signal) => {
			clearTimeout(timer);
			// Lines it wrote before exiting reach the log first.
			setImmediate(() => {
				reject(
					new MachinistError(
						`${plugin.binary} ${signal ? `was killed by ${signal}` : `exited with code ${code ?? 0}`} before giving its address${plugin.tail(10)}`,
					),
				);
			});
		});
		child.once('error', error => {
			clearTimeout(timer);
			reject(new MachinistError(`${plugin.binary} could not be started: ${error.message}`));
		});
	});
}
