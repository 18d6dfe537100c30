// A machine: its stored record, its driver ready to use, its directory; loading one or several.
import type {DriverContext, DriverTimings} from './driver-context.js';
import type {Driver} from './drivers/driver.js';
import {driverFor} from './drivers/registry.js';
import type {Engine} from './engine.js';
import {MachinistError, errorMessage} from './errors.js';
import type {HostRecord} from './store/host.js';

/** A machine loaded from the store with its driver ready to use. */
export type Machine = {
	readonly name: string;
	readonly host: HostRecord;
	readonly driver: Driver;
	readonly dir: string;
	/** The waits the engine was told to shorten for this machine's driver. */
	readonly timings?: DriverTimings;
	/** The engine's environment, for the driver. */
	readonly env: NodeJS.ProcessEnv;
};

export async function machineFromHost(engine: Engine, host: HostRecord): Promise<Machine> {
	return {
		name: host.Name,
		host,
		driver: await driverFor(host),
		dir: engine.store.machineDir(host.Name),
		timings: engine.driverTimings[host.DriverName],
		env: engine.env,
	};
}

export async function loadMachine(engine: Engine, name: string): Promise<Machine> {
	return machineFromHost(engine, await engine.store.load(name));
}

export function driverContext(machine: Machine, extra: Omit<DriverContext, 'machineDir' | 'env'> = {}): DriverContext {
	return {machineDir: machine.dir, env: machine.env, ...(machine.timings ? {timings: machine.timings} : {}), ...extra};
}

/**
 * Loads several machines before acting on any, as docker-machine does: if one cannot be
 * loaded, nothing runs and every load error is reported.
 */
export async function loadMachines(engine: Engine, names: readonly string[]): Promise<Machine[]> {
	const results = await Promise.allSettled(names.map(async name => loadMachine(engine, name)));
	const failures = results.flatMap(result => (result.status === 'rejected' ? [result.reason as unknown] : []));
	if (failures.length > 0) throw new MachinistError(failures.map(failure => errorMessage(failure)).join('\n'));

	return results.map(result => (result as PromiseFulfilledResult<Machine>).value);
}
