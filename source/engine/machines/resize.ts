// set: a local VM's CPU count, memory and disk, changed after create.
import type {VmSize} from '../drivers/driver.js';
import type {LocalVmConfig} from '../drivers/local-vm/config.js';
import type {Engine} from '../engine.js';
import {MachinistError} from '../errors.js';
import {boolOption, type OptionSpec, type OptionValue} from '../options.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import {driverContext, loadMachine} from '../machine.js';

export type ResizeRequest = VmSize & {
	/** A running machine is stopped, resized and started again (and its Docker waited for). */
	restart?: boolean;
};

/** When the new size takes effect: at the machine's next start, or now (it was restarted). */
export type ResizeOutcome = 'next start' | 'restarted';

const minimums: Array<[keyof VmSize, string, number]> = [
	['cpus', '--cpus', 1],
	['memoryMb', '--memory', 256],
	['diskSizeMb', '--disk-size', 1024],
];

/** set's options as data: the command's flags, and the fields of the app's form. */
export const resizeOptions: readonly OptionSpec[] = [
	{name: 'cpus', type: 'int', description: 'number of CPUs'},
	{name: 'memory', type: 'int', description: 'size of memory (in MB)'},
	{name: 'disk-size', type: 'int', description: 'size of the disk (in MB); larger than now'},
	{name: 'restart', type: 'bool', description: 'restart a running machine so the new size applies now'},
];

/** Drivers whose machines `set` resizes: the local VMs (their drivers have `resize`). */
const localVmDrivers = new Set(['qemu', 'virtualbox']);

export function isLocalVmDriver(driverName: string): boolean {
	return localVmDrivers.has(driverName);
}

/**
 * The app's form for one machine: set's options starting at the machine's size, each checked
 * as the engine would (a number too small, a disk smaller than it is now).
 */
export function resizeFormOptions(current: Required<VmSize>): OptionSpec[] {
	const starts: Record<string, number> = {cpus: current.cpus, memory: current.memoryMb, 'disk-size': current.diskSizeMb};
	return resizeOptions.map(spec => {
		const start = starts[spec.name];
		if (start === undefined) return spec;
		const minimum = spec.name === 'disk-size' ? current.diskSizeMb : minimums.find(([, flag]) => flag === `--${spec.name}`)![2];
		const below = spec.name === 'disk-size' ? `the disk only grows: give ${minimum} or more` : `give at least ${minimum}`;
		return {...spec, default: start, validate: value => (Number(value) >= minimum ? undefined : below)};
	});
}

/** The request from the options given (those left out are not changed). */
export function resizeRequestFrom(given: Readonly<Record<string, OptionValue>>): ResizeRequest {
	const number = (name: string) => (typeof given[name] === 'number' ? given[name] : undefined);
	return {cpus: number('cpus'), memoryMb: number('memory'), diskSizeMb: number('disk-size'), restart: boolOption(given, 'restart')};
}

/** The problem with a requested size (nothing asked, a number too small), or undefined. */
export function resizeProblem(size: VmSize): string | undefined {
	if (size.cpus === undefined && size.memoryMb === undefined && size.diskSizeMb === undefined) return 'give --cpus, --memory or --disk-size';
	for (const [key, flag, minimum] of minimums) {
		const value = size[key];
		if (value !== undefined && (!Number.isInteger(value) || value < minimum)) return `${flag} ${value} is not a whole number of at least ${minimum}`;
	}

	return undefined;
}

function notLocalVm(name: string, driverName: string): MachinistError {
	return new MachinistError(`machine ${name} (driver ${driverName}) is not a local VM: set changes qemu and virtualbox machines only`);
}

/** A local VM's size as its record has it. */
export async function machineSize(engine: Engine, name: string): Promise<Required<VmSize>> {
	const {driver, host} = await loadMachine(engine, name);
	if (!driver.resize) throw notLocalVm(name, host.DriverName);
	const {CPU, Memory, DiskSize} = driver.config as Partial<LocalVmConfig>;
	return {cpus: Number(CPU), memoryMb: Number(Memory), diskSizeMb: Number(DiskSize)};
}

/**
 * `set NAME`: a local VM's new size, kept in its record. CPU and memory take effect at the next
 * start; the disk only grows, while the VM is stopped, and the guest grows its partition and
 * file system at its next boot (cloud-init's growpart and resizefs run at every boot).
 */
export async function resizeMachine(
	engine: Engine,
	name: string,
	request: ResizeRequest,
	options: {progress?: ProgressSink; signal?: AbortSignal} = {},
): Promise<ResizeOutcome> {
	const problem = resizeProblem(request);
	if (problem) throw new MachinistError(`Error: ${problem}`);
	const progress = options.progress ?? ignoreProgress;
	return engine.store.withLock(
		name,
		async () => {
			const machine = await loadMachine(engine, name);
			const {driver} = machine;
			if (!driver.resize) throw notLocalVm(name, machine.host.DriverName);

			const context = driverContext(machine, {progress, signal: options.signal});
			const running = (await driver.getState(context)) !== 'Stopped';
			const {powerMachine} = await import('./power.js');
			if (running && request.restart) {
				// Refused before the stop: a smaller disk is a mistake to report, not a reason for downtime.
				await driver.resize(context, request, {checkOnly: true});
				await powerMachine(engine, machine, 'stop', options);
			}

			await driver.resize(context, request);
			await engine.store.save({...machine.host, Driver: driver.config});
			if (!running || !request.restart) return 'next start';
			await powerMachine(engine, machine, 'start', options);
			return 'restarted';
		},
		{operation: 'Resizing'},
	);
}
