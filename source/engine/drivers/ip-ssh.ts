// What drivers of hosts reached by IP address and SSH share: the address, the daemon's URL, the
// SSH details, log lines, cloud user data, and polling with the timings the face passed in.
import {stat} from 'node:fs/promises';
import {MachinistError} from '../errors.js';
import type {MachineState} from '../state.js';
import {pollUntil, type PollOptions} from '../polling.js';
import type {BaseDriverConfig} from '../store/host.js';
import type {DriverContext, SshDetails} from '../driver-context.js';

/** docker-machine polled cloud APIs every second: well inside their rate limits. */
const cloudPollIntervalMs = 1000;
/** How long a new or started cloud host may take to be running with an address. */
const defaultReadyTimeoutMs = 300_000;

/**
 * The base of a driver whose host has an IP address, runs sshd and serves Docker on
 * `enginePort()`. A subclass says how to make, power and remove the host and how to read its
 * state; getURL, getIP and sshDetails come from here.
 */
export abstract class IpSshDriver<Config extends BaseDriverConfig> {
	abstract readonly driverName: string;
	readonly provisions = true;
	readonly config: Config;

	constructor(config: Config) {
		this.config = config;
	}

	abstract getState(context: DriverContext): Promise<MachineState>;

	async getURL(context: DriverContext): Promise<string> {
		if ((await this.getState(context)) !== 'Running') throw new MachinistError('Host is not running');
		const ip = await this.getIP();
		return `tcp://${ip.includes(':') ? `[${ip}]` : ip}:${this.enginePort()}`;
	}

	async getIP(): Promise<string> {
		if (!this.config.IPAddress) throw new MachinistError(this.noAddress());
		return this.config.IPAddress;
	}

	async sshDetails(): Promise<SshDetails> {
		return {host: this.config.IPAddress, port: this.config.SSHPort, user: this.config.SSHUser, keyPath: this.config.SSHKeyPath};
	}

	protected enginePort(): number {
		return 2376;
	}

	/** What getIP says before the host has an address. */
	protected noAddress(): string {
		return 'IP address is not set';
	}

	/** A line shown under the machine's name while an operation runs. */
	protected log(context: DriverContext, message: string): void {
		context.progress?.({type: 'log', machine: this.config.MachineName, message});
	}

	protected readyTimeoutMs(context: DriverContext): number {
		return context.timings?.readyTimeoutMs ?? defaultReadyTimeoutMs;
	}

	/** Polls a cloud API until `check` gives a value, at the context's interval, abortable. */
	protected async poll<T>(context: DriverContext, check: () => Promise<T | undefined>, wait: Omit<PollOptions, 'intervalMs' | 'signal'>): Promise<T> {
		return pollUntil(check, {...wait, intervalMs: context.timings?.pollIntervalMs ?? cloudPollIntervalMs, signal: context.signal});
	}
}

/** A cloud-init user-data file must exist and fit the cloud's limit. */
export async function checkUserDataFile(file: string, limits: {flag: string; cloud: string; maxBytes: number; advice: string}): Promise<void> {
	const info = await stat(file).catch(() => undefined);
	if (!info?.isFile()) throw new MachinistError(`user-data file ${file} could not be found: check --${limits.flag}`);
	if (info.size > limits.maxBytes)
		throw new MachinistError(`user-data file ${file} has ${info.size} bytes; ${limits.cloud} takes at most ${limits.maxBytes}: ${limits.advice}`);
}
