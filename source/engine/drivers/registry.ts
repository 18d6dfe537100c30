// The table of drivers by name, loaded lazily; any other name is a docker-machine driver plugin.
import {MachinistError} from '../errors.js';
import {findProgram} from '../programs.js';
import type {HostRecord} from '../store/host.js';
import type {Driver, DriverDefinition} from './driver.js';
import {installedPlugins, pluginBinaryName} from './plugin/installed.js';

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

/** The built-in drivers. */
export function driverNames(): string[] {
	return Object.keys(loaders).sort();
}

/** The built-in drivers, then the plugins installed on `env`'s PATH (those named like a built-in never run). */
export function availableDrivers(env: NodeJS.ProcessEnv): string[] {
	return [...driverNames(), ...installedPlugins(env).filter(name => !isKnownDriver(name))];
}

export function isKnownDriver(name: string): boolean {
	return Object.hasOwn(loaders, name);
}

const loaded = new Map<string, Promise<DriverDefinition>>();

/**
 * A built-in driver's definition, or the plugin docker-machine-driver-NAME's (found on the PATH
 * of `env`, asked for its flags once per process; a failure is not kept, so a plugin installed
 * meanwhile is found next time).
 */
export async function loadDriverDefinition(name: string, env: NodeJS.ProcessEnv): Promise<DriverDefinition> {
	let definition = loaded.get(name);
	if (!definition) {
		const load = loaders[name];
		definition = load ? load().then(module => module.default) : pluginDefinition(name, env);
		loaded.set(name, definition);
		definition.catch(() => {
			if (loaded.get(name) === definition) loaded.delete(name);
		});
	}

	return definition;
}

async function pluginDefinition(name: string, env: NodeJS.ProcessEnv): Promise<DriverDefinition> {
	if (!findProgram(pluginBinaryName(name), env)) {
		throw new MachinistError(
			`Driver "${name}" is neither built in nor installed as a plugin: install ${pluginBinaryName(name)} on your PATH, or use one of: ${availableDrivers(env).join(', ')}`,
		);
	}

	const plugin = await import('./plugin/driver.js');
	return plugin.pluginDefinition(name, env);
}

/** The driver of a stored machine; a name not built in is a plugin's, as docker-machine has it. */
export async function driverFor(host: HostRecord): Promise<Driver> {
	if (!isKnownDriver(host.DriverName)) {
		const {pluginDriver} = await import('./plugin/driver.js');
		return pluginDriver(host.DriverName, host.Driver);
	}

	const {default: definition} = await loaders[host.DriverName]!();
	return definition.fromConfig(host.Driver);
}
