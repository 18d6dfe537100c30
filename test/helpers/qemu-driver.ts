/**
 * A qemu driver on a faked computer (a Mac, a Windows PC, an x86 or arm64 Linux), booting the
 * recording QEMU stand-in (./qemu-standin.ts) found where that computer would have QEMU.
 */
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import type {DriverContext} from '../../source/engine/driver-context.js';
import {QemuDriver} from '../../source/engine/drivers/qemu/driver.js';
import type {HostPlatform} from '../../source/engine/drivers/qemu/host-platform.js';
import definition from '../../source/engine/drivers/qemu/index.js';
import {defaultValue, type OptionValue} from '../../source/engine/options.js';
import type {ProgressEvent} from '../../source/engine/progress.js';
import {freePort} from '../../source/engine/vm/ports.js';
import {writeQemuStandin, type QemuStandin} from './qemu-standin.js';
import {temporaryDir} from './store.js';

/** A computer of this system and CPU; `hvSupport` is what macOS's kern.hv_support says. */
export function fakeHost(platform: NodeJS.Platform, arch: string, options: {hvSupport?: string; kvm?: boolean} = {}): HostPlatform {
	return {
		platform,
		arch,
		async kvmUsable() {
			return options.kvm ?? false;
		},
		async sysctl(name) {
			return name === 'kern.hv_support' && platform === 'darwin' ? (options.hvSupport ?? '1') : undefined;
		},
	};
}

export type FakeQemu = {
	driver: QemuDriver;
	context: DriverContext;
	standin: QemuStandin;
	events: ProgressEvent[];
	machineDir: string;
	/** QEMU's install prefix, as Homebrew's: bin/ with the programs, share/qemu/ with the firmware. */
	prefix: string;
};

/**
 * A machine `m` whose disk exists (as after create), with QEMU installed in a prefix of its own
 * (bin/ on the context's PATH, share/qemu with arm64 firmware) and the driver's options at
 * their defaults except `values`.
 */
export async function fakeQemu(
	t: ExecutionContext,
	host: HostPlatform,
	values: Record<string, OptionValue> = {},
	standinOptions: {hangUnder?: string; version?: string} = {},
): Promise<FakeQemu> {
	const dir = await temporaryDir(t, 'mqh-');
	const prefix = path.join(dir, 'qemu');
	await mkdir(path.join(prefix, 'bin'), {recursive: true});
	await mkdir(path.join(prefix, 'share/qemu'), {recursive: true});
	await writeFile(path.join(prefix, 'share/qemu/edk2-aarch64-code.fd'), Buffer.alloc(1024 * 1024, 0xc0));
	await writeFile(path.join(prefix, 'share/qemu/edk2-arm-vars.fd'), Buffer.alloc(1024 * 1024, 0));
	await writeFile(path.join(prefix, 'bin/qemu-img'), '#!/bin/sh\nexit 0\n', {mode: 0o755});
	const arch = String(values['qemu-arch'] ?? (host.arch === 'arm64' ? 'aarch64' : 'x86_64'));
	const standin = await writeQemuStandin(path.join(prefix, 'bin'), `qemu-system-${arch}`, standinOptions);
	const store = path.join(dir, 'store');
	const machineDir = path.join(store, 'machines', 'm');
	await mkdir(machineDir, {recursive: true});
	await writeFile(path.join(machineDir, 'disk.qcow2'), '');
	const defaults = Object.fromEntries(definition.options.map(spec => [spec.name, defaultValue(spec)]));
	const made = definition.fromOptions(
		{IPAddress: '', MachineName: 'm', SSHUser: '', SSHPort: 0, SSHKeyPath: '', StorePath: store, SwarmMaster: false, SwarmHost: '', SwarmDiscovery: ''},
		{...defaults, 'qemu-no-share': true, 'qemu-ssh-port': await freePort(), 'qemu-engine-port': await freePort(), 'qemu-arch': arch, ...values},
	) as QemuDriver;
	const driver = new QemuDriver(made.config, host);
	const events: ProgressEvent[] = [];
	const context: DriverContext = {
		machineDir,
		env: {PATH: path.join(prefix, 'bin')},
		progress(event) {
			events.push(event);
		},
		timings: {accelProbeMs: 2000, readyTimeoutMs: 30_000, stopTimeoutMs: 10_000},
	};
	t.teardown(async () => driver.kill(context));
	return {driver, context, standin, events, machineDir, prefix};
}

/** The value after `flag` on a command line. */
export function argAfter(args: readonly string[], flag: string): string | undefined {
	const index = args.indexOf(flag);
	return index === -1 ? undefined : args[index + 1];
}
