// The table of drivers by name, loaded lazily; the driver of a stored machine.
import {MachinistError} from '../errors.js';
import type {HostRecord} from '../store/host.js';
import type {Driver, DriverDefinition} from './driver.js';
import {MissingDriver} from './missing.js';

/**
 * Driver name → module. Modules load lazily so a command only pays for the driver it uses
 * (cloud SDKs are heavy). Adding a driver: its file, plus one line here.
 */
const loaders: Record<string, () => Promise<{default: DriverDefinition}>> = {
	amazonec2: async () => import('./amazonec2/index.js'),
	digitalocean: async () => import('./digitalocean/index.js'),
	generic: async () => import('./generic.js'),
	none: async () => import('./none.js'),
	qemu: async () => import('./qemu/index.js'),
	virtualbox: async () => import('./virtualbox/index.js'),
};

export function driverNames(): string[] {
	return Object.keys(loaders).sort();
}

export function isKnownDriver(name: string): boolean {
	return Object.hasOwn(loaders, name);
}

const loaded = new Map<string, Promise<DriverDefinition>>();

export async function loadDriverDefinition(name: string): Promise<DriverDefinition> {
	const load = loaders[name];
	if (!load) {
		throw new MachinistError(`Driver "${name}" not found. Available drivers: ${driverNames().join(', ')}`);
	}

	let definition = loaded.get(name);
	if (!definition) {
		definition = load().then(module => module.default);
		loaded.set(name, definition);
	}

	return definition;
}

/** The driver of a stored machine; one this program lacks gets a stand-in that says so. */
export async function driverFor(host: HostRecord): Promise<Driver> {
	if (!isKnownDriver(host.DriverName)) return new MissingDriver(host.DriverName, host.Driver);
	const definition = await loadDriverDefinition(host.DriverName);
	return definition.fromConfig(host.Driver);
}
