import type {Engine} from '../engine.js';
import {MachinistError} from '../errors.js';
import type {PortForward} from '../drivers/driver.js';
import {driverContext, loadMachine} from '../machine.js';

/**
 * `port NAME HOST:GUEST`: a TCP port on 127.0.0.1 forwarded into a local VM, added to the
 * running VM at once and kept in the record for its next start.
 */
export async function addPortForward(engine: Engine, name: string, forward: string, options: {signal?: AbortSignal} = {}): Promise<PortForward> {
	return engine.store.withLock(name, async () => {
		const machine = await loadMachine(engine, name);
		if (!machine.driver.addPortForward) {
			throw new MachinistError(
				`machine ${name} (driver ${machine.host.DriverName}) has no port forwards: reach its ports at its IP address (${engine.program} ip ${name})`,
			);
		}

		const added = await machine.driver.addPortForward(driverContext(machine, options), forward);
		await engine.store.save({...machine.host, Driver: machine.driver.config});
		return added;
	});
}
