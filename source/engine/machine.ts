import {MachinistError} from './errors.js';
import type {Driver, DriverContext, DriverDefinition} from './drivers/driver.js';
import {isKnownDriver, loadDriverDefinition} from './drivers/registry.js';
import type {Engine} from './engine.js';
import type {HostRecord} from './store/host.js';
import type {MachineState} from './state.js';

/** A machine loaded from the store with its driver ready to use. */
export type Machine = {
	readonly name: string;
	readonly host: HostRecord;
	readonly driver: Driver;
	readonly dir: string;
};

/**
 * Stands in for a driver this program does not have (a store shared with docker-machine may
 * hold virtualbox machines): the record stays readable and removable, every action says why
 * it cannot run.
 */
class MissingDriver implements Driver {
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

export async function driverFor(host: HostRecord): Promise<Driver> {
	if (!isKnownDriver(host.DriverName)) return new MissingDriver(host.DriverName, host.Driver);
	const definition: DriverDefinition = await loadDriverDefinition(host.DriverName);
	return definition.fromConfig(host.Driver);
}

export async function machineFromHost(engine: Engine, host: HostRecord): Promise<Machine> {
	return {name: host.Name, host, driver: await driverFor(host), dir: engine.store.machineDir(host.Name)};
}

export async function loadMachine(engine: Engine, name: string): Promise<Machine> {
	return machineFromHost(engine, await engine.store.load(name));
}

export function driverContext(machine: Machine, extra: Omit<DriverContext, 'machineDir'> = {}): DriverContext {
	return {machineDir: machine.dir, ...extra};
}
