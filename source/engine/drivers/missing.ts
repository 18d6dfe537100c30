// The stand-in for a driver this program does not have.
import {MachinistError} from '../errors.js';
import type {MachineState} from '../state.js';
import type {HostRecord} from '../store/host.js';
import type {Driver} from './driver.js';

/**
 * Stands in for a driver this program does not have (a store shared with docker-machine may
 * hold virtualbox machines): the record stays readable and removable, every action says why
 * it cannot run.
 */
export class MissingDriver implements Driver {
	readonly provisions = false;
	readonly driverName: string;
	readonly config: HostRecord['Driver'];

	constructor(driverName: string, config: HostRecord['Driver']) {
		this.driverName = driverName;
		this.config = config;
	}

	private unsupported(): never {
		throw new MachinistError(`Driver "${this.driverName}" is not available in machinist; manage this machine with the tool that created it`);
	}

	async preCreateCheck(): Promise<void> {
		this.unsupported();
	}

	async create(): Promise<void> {
		this.unsupported();
	}

	/** Removing only the local record is all `rm -f` can do for such a machine. */
	async remove(): Promise<void> {
		this.unsupported();
	}

	async start(): Promise<void> {
		this.unsupported();
	}

	async stop(): Promise<void> {
		this.unsupported();
	}

	async restart(): Promise<void> {
		this.unsupported();
	}

	async kill(): Promise<void> {
		this.unsupported();
	}

	async getState(): Promise<MachineState> {
		this.unsupported();
	}

	async getURL(): Promise<string> {
		this.unsupported();
	}

	async getIP(): Promise<string> {
		const ip = this.config.IPAddress;
		if (ip) return ip;
		this.unsupported();
	}

	async sshDetails(): Promise<undefined> {
		return undefined;
	}
}
