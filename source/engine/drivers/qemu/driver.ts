// QEMU's answers to the local-VM layer: a qcow2 overlay for a disk, a command line for a
// definition, QMP for asking and stopping.
import {access, rm} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import type {CachedImage} from '../../images/cache.js';
import type {MachineState} from '../../state.js';
import {waitUntil} from '../../polling.js';
import {tailOfLog} from '../../log-tail.js';
import {assertPortFree, freePort} from '../../vm/ports.js';
import {runningPid, waitForExit} from '../../pid-files.js';
import {withQmp} from '../../vm/qmp.js';
import {ensureSocketDir, removeSocket, socketPathFor} from '../../vm/sockets.js';
import type {DriverContext} from '../../driver-context.js';
import type {Forwarder, PortForward} from '../driver.js';
import {LocalVmDriver, seedFile} from '../local-vm/base.js';
import {binaryFor, chooseAccel, emulationNotice, isForeign} from './arch.js';
import {createOverlay, growDisk, qemuImgFor, virtualSizeMiB} from './disk.js';
import {findFirmware, varsFile} from './firmware.js';
import {
	assertHostSupported,
	findQemuProgram,
	installHint,
	macShareProblem,
	offeredAccels,
	qemuVersion,
	systemHost,
	type HostPlatform,
} from './host-platform.js';
import {forwardsOf, hostfwdCommand, parseForward} from './network.js';
import {qmpForwarder} from './forwards.js';
import type {QemuConfig} from './options.js';
import {defaultShareType, shareKinds, startVirtiofsd, stopVirtiofsd, virtiofsdBinary, virtiofsdCommand, virtiofsSocket} from './share.js';
import {files, launch, qemuArgs, shareOf, shareTag, type BootPaths} from './vm.js';

// Defaults of the waits a face may change through the driver context's timings.
/** How long an accelerated guest may take to print its first kernel line. */
const accelProbeMs = (context: DriverContext) => context.timings?.accelProbeMs ?? 30_000;
const powerdownMs = (context: DriverContext) => context.timings?.stopTimeoutMs ?? 60_000;
const quitMs = 5000;

const virtiofsdFiles = {pid: 'virtiofsd.pid', log: 'virtiofsd.log'} as const;

/** A kernel line on the serial console: the guest really runs, past firmware and boot loader. */
const kernelProgress = /\[\s*\d+\.\d{6}\]|Linux version/;

function lastLines(lines: readonly string[]): string {
	return lines.length > 0 ? lines.join(' | ') : '(nothing)';
}

export class QemuDriver extends LocalVmDriver<QemuConfig> {
	readonly driverName = 'qemu';
	protected readonly flagPrefix = 'qemu';
	protected override readonly cloudInitFirstBootOnly = true;

	/** The computer QEMU runs on; tests give a Mac or a Windows PC. */
	readonly host: HostPlatform;

	constructor(config: QemuConfig, host: HostPlatform = systemHost) {
		super(config);
		this.host = host;
	}

	async preCreateCheck(context: DriverContext): Promise<void> {
		assertHostSupported(this.host);
		const binary = this.requireProgram(this.binary(), context);
		this.qemuImg(context);
		if (this.config.Arch === 'aarch64') await findFirmware(binary, this.host);
		const share = shareOf(this.config);
		if (share) {
			await this.assertShareFolder(share.host);
			const problem = this.host.platform === 'darwin' ? macShareProblem(this.host, await qemuVersion(binary), binary) : undefined;
			if (problem) throw new MachinistError(problem);
		}

		this.config.ShareType ||= defaultShareType(context.env);
		if (share && this.config.ShareType === 'virtiofs') this.virtiofsd(context);
		const fixed: Array<[number, string]> = [
			[this.config.SSHPort, '--qemu-ssh-port'],
			[this.config.EnginePort, '--qemu-engine-port'],
			...this.config.Forwards.map(forward => [parseForward(forward, '--qemu-forward').host, '--qemu-forward'] as [number, string]),
		];
		for (const [port, flag] of fixed) {
			if (port !== 0) await assertPortFree(port, flag);
		}
	}

	override async getIP(): Promise<string> {
		return '127.0.0.1';
	}

	/** Adds a forward to the running VM through the monitor, and keeps it for later starts. */
	async addPortForward(context: DriverContext, text: string): Promise<PortForward> {
		const forward = parseForward(text, 'the forward');
		if (forwardsOf(this.config).some(existing => existing.host === forward.host)) {
			throw new MachinistError(`port ${forward.host} is already forwarded to ${this.config.MachineName}`);
		}

		await assertPortFree(forward.host, 'host port');
		if (await this.pid(context)) {
			const output = await withQmp(this.paths(context).socket, async client => client.human(hostfwdCommand(forward)));
			if (output.trim() !== '') throw new MachinistError(`QEMU could not add the forward ${forward.host}:${forward.guest}: ${output.trim()}`);
		}

		this.config.Forwards = [...this.config.Forwards, `${forward.host}:${forward.guest}`];
		return forward;
	}

	/** Containers' published ports, forwarded by the agent through the monitor. */
	forwarder(context: DriverContext): Forwarder {
		return qmpForwarder(
			this.paths(context).socket,
			forwardsOf(this.config).map(forward => forward.host),
		);
	}

	/** The VM's serial console log: the details screen shows its tail, a failed wait names it. */
	consoleLog(context: DriverContext): string {
		return this.paths(context).serial;
	}

	async getState(context: DriverContext): Promise<MachineState> {
		if (!(await this.pid(context))) return 'Stopped';
		let status: string;
		try {
			status = await this.queryStatus(context);
		} catch {
			return 'Starting';
		}

		switch (status) {
			case 'running': {
				return 'Running';
			}

			case 'paused':
			case 'suspended': {
				return 'Paused';
			}

			case 'shutdown': {
				return 'Stopping';
			}

			case 'inmigrate':
			case 'prelaunch': {
				return 'Starting';
			}

			case 'internal-error':
			case 'guest-panicked':
			case 'io-error': {
				throw new MachinistError(
					`QEMU reports ${status} for ${this.config.MachineName}: run "kill" then "start" (the serial console is in ${path.join(this.config.StorePath, 'machines', this.config.MachineName, files.serial)})`,
				);
			}

			default: {
				return 'Error';
			}
		}
	}

	/** ACPI power button, then quit, then kill: each bounded, so stop always ends. */
	async stop(context: DriverContext): Promise<void> {
		const pid = await this.pid(context);
		if (pid === undefined) return;
		const asked = await withQmp(this.paths(context).socket, async client => client.execute('system_powerdown'), {timeoutMs: 3000}).then(
			() => true,
			() => false,
		);
		if (asked && (await waitForExit(pid, powerdownMs(context), context.signal))) {
			await this.cleanRuntime(context);
			return;
		}

		this.log(context, 'The VM did not power down when asked; stopping it');
		await this.forceStop(context);
	}

	async kill(context: DriverContext): Promise<void> {
		await this.forceStop(context);
	}

	async remove(context: DriverContext): Promise<void> {
		await this.forceStop(context);
		await this.removeFiles(context, [files.disk, seedFile, files.serial, varsFile, virtiofsdFiles.log]);
	}

	protected override enginePort(): number {
		return this.config.EnginePort;
	}

	protected async prepare(context: DriverContext): Promise<void> {
		this.config.ShareType ||= defaultShareType(context.env);
		if (this.config.SSHPort === 0) this.config.SSHPort = await freePort();
		if (this.config.EnginePort === 0) this.config.EnginePort = await freePort();
	}

	protected async imageSizeMiB(image: CachedImage, context: DriverContext): Promise<number> {
		return virtualSizeMiB(this.qemuImg(context), image, this.where());
	}

	protected async makeDisk(image: CachedImage, _imageMiB: number, context: DriverContext): Promise<void> {
		this.config.ImagePath = image.path;
		await createOverlay(this.qemuImg(context), image, this.paths(context).disk, this.config.DiskSize, this.where(), context.signal);
	}

	protected async growDisk(context: DriverContext, sizeMiB: number): Promise<void> {
		await growDisk(qemuImgFor(this.binary()), this.paths(context).disk, sizeMiB, this.where(), context.signal);
	}

	/** Each boot's command line is made from the config: nothing to tell QEMU. */
	protected async applySize(): Promise<void> {
		// The next start reads CPU and Memory.
	}

	protected seedShares() {
		const share = shareOf(this.config);
		const {fs, options} = shareKinds[this.config.ShareType || '9p'];
		return share ? [{tag: shareTag, guestPath: share.guest, fs, options}] : [];
	}

	/** QEMU keeps no definition: the command line each boot builds is the VM. */
	protected async define(): Promise<void> {
		// Nothing to register.
	}

	protected async powerOn(context: DriverContext): Promise<void> {
		if (await this.pid(context)) throw new MachinistError(`Machine "${this.config.MachineName}" is already running.`);
		await access(this.paths(context).disk).catch(() => {
			throw new MachinistError(
				`machine ${this.config.MachineName} has no disk (its create failed before one was made): remove it with rm and create it again`,
			);
		});
		await this.boot(context, !this.config.AccelUsed);
	}

	/** SSH through the forward is all a QEMU machine needs. */
	protected async afterBoot(): Promise<void> {
		// Up once SSH answers.
	}

	protected async stoppedWhileBooting(context: DriverContext): Promise<string | undefined> {
		if (await this.pid(context)) return undefined;
		return `the VM ${this.config.MachineName} stopped while booting; its serial console's last lines: ${lastLines(await tailOfLog(this.paths(context).serial, 5))}`;
	}

	protected async stillBooting(context: DriverContext): Promise<string> {
		return `Still booting; console: ${(await tailOfLog(this.paths(context).serial, 1))[0] ?? '(nothing yet)'}`;
	}

	protected async bootTimedOut(context: DriverContext, timeoutMs: number): Promise<string> {
		const {serial} = this.paths(context);
		return `the VM ${this.config.MachineName} did not answer SSH within ${Math.round(timeoutMs / 1000)} s; its serial console's last lines: ${lastLines(await tailOfLog(serial, 5))} (full log: ${serial})`;
	}

	private paths(context: DriverContext): BootPaths {
		return {
			disk: this.file(context, files.disk),
			seed: this.file(context, seedFile),
			serial: this.file(context, files.serial),
			pid: this.file(context, files.pid),
			socket: socketPathFor(context.machineDir, files.socket, context.env),
		};
	}

	private binary(): string {
		return this.config.QemuBinary || binaryFor(this.config.Arch);
	}

	/** qemu-img beside the QEMU program found, so a Homebrew install off the PATH has both. */
	private qemuImg(context: DriverContext): string {
		return this.requireProgram(qemuImgFor(this.requireProgram(this.binary(), context)), context);
	}

	private where() {
		return {storePath: this.config.StorePath, machine: this.config.MachineName};
	}

	private requireProgram(name: string, context: DriverContext): string {
		const found = findQemuProgram(name, context.env, this.host);
		if (!found)
			throw new MachinistError(
				`QEMU is not installed (${name} not found): install it with ${installHint(this.host, this.config.Arch)}, or give --qemu-binary`,
			);
		return found;
	}

	private async pid(context: DriverContext): Promise<number | undefined> {
		// The pid file's path is on QEMU's command line, which tells our process from a stranger with its pid.
		const {pid} = this.paths(context);
		return runningPid(pid, pid);
	}

	/**
	 * Boots the VM. With an accelerator, the guest must print a kernel line on its serial console
	 * within the probe time: nested KVM that accepts a VM but never runs it (guests stop after
	 * "Probing EDD") is caught here; `auto` then falls back to TCG.
	 */
	private async boot(context: DriverContext, firstBoot: boolean): Promise<void> {
		let accel = this.config.AccelUsed;
		if (!accel) {
			accel = chooseAccel(this.config.Accel, await offeredAccels(this.host), this.config.Arch, this.host);
			if (isForeign(this.config.Arch, this.host)) context.progress?.({type: 'warning', message: emulationNotice(this.config.Arch, this.host)});
		}

		await this.launch(context, accel);
		if (accel !== 'tcg' && firstBoot) {
			const problem = await this.probeProgress(context);
			if (problem) {
				await this.forceStop(context);
				if (this.config.Accel !== 'auto') {
					throw new MachinistError(
						`the VM made no progress under ${accel} (${problem}): this computer's ${accel} does not run guests (nested virtualization?); use --qemu-accel tcg`,
					);
				}

				context.progress?.({
					type: 'warning',
					message: `${accel} is offered but the VM made no progress under it (${problem}); using tcg, which is slower`,
				});
				accel = 'tcg';
				await this.launch(context, accel);
			}
		}

		this.config.AccelUsed = accel;
	}

	private async launch(context: DriverContext, accel: string): Promise<void> {
		const binary = this.requireProgram(this.binary(), context);
		const paths = this.paths(context);
		const args = await qemuArgs(this.config, binary, paths, accel, this.host);
		const share = shareOf(this.config);
		if (share && this.config.ShareType === 'virtiofs') {
			await ensureSocketDir(paths.socket);
			const command = virtiofsdCommand(this.virtiofsd(context), share.host, virtiofsSocket(paths.socket));
			await startVirtiofsd(command, virtiofsSocket(paths.socket), this.file(context, virtiofsdFiles.pid), this.file(context, virtiofsdFiles.log));
		}

		try {
			await launch(binary, args, paths, context.machineDir, this.config.MachineName);
		} catch (error) {
			await this.cleanRuntime(context);
			throw error;
		}
	}

	private virtiofsd(context: DriverContext): string {
		const found = virtiofsdBinary(context.env);
		if (!found) {
			throw new MachinistError(
				'virtiofsd is not installed, which the virtiofs share needs: install it (Debian 12: qemu-system-common; Debian 13, Ubuntu, Fedora: virtiofsd), or use --qemu-share-type 9p',
			);
		}

		return found;
	}

	/** Undefined when the guest printed a kernel line; otherwise what was seen instead. */
	private async probeProgress(context: DriverContext): Promise<string | undefined> {
		const {serial} = this.paths(context);
		let problem: string | undefined;
		const ended = await waitUntil(
			async () => {
				const lines = await tailOfLog(serial, 200);
				if (lines.some(line => kernelProgress.test(line))) return true;
				const status = await this.queryStatus(context).catch(() => undefined);
				if (status === 'internal-error' || status === 'guest-panicked') problem = `QEMU reports ${status}`;
				else if (!(await this.pid(context))) problem = 'QEMU exited';
				return problem !== undefined;
			},
			{intervalMs: 500, timeoutMs: accelProbeMs(context), signal: context.signal},
		);
		if (ended) return problem;
		return `no kernel output on the serial console within ${Math.round(accelProbeMs(context) / 1000)} s; last lines: ${lastLines(await tailOfLog(serial, 3))}`;
	}

	private async queryStatus(context: DriverContext): Promise<string> {
		return withQmp(this.paths(context).socket, async client => (await client.execute<{status: string}>('query-status')).status, {timeoutMs: 3000});
	}

	/** quit through QMP, then SIGKILL; each bounded. */
	private async forceStop(context: DriverContext): Promise<void> {
		const pid = await this.pid(context);
		if (pid === undefined) return;
		await withQmp(this.paths(context).socket, async client => client.execute('quit'), {timeoutMs: 2000}).catch(() => undefined);
		if (!(await waitForExit(pid, quitMs))) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// It exited between the check and the kill.
			}

			await waitForExit(pid, quitMs);
		}

		await this.cleanRuntime(context);
	}

	private async cleanRuntime(context: DriverContext): Promise<void> {
		const {pid, socket} = this.paths(context);
		await this.removeFiles(context, [path.basename(pid)]);
		// virtiofsd ends with QEMU's connection; this is for one QEMU never made.
		await stopVirtiofsd(this.file(context, virtiofsdFiles.pid), virtiofsSocket(socket));
		await rm(virtiofsSocket(socket), {force: true});
		await removeSocket(socket, context.machineDir);
	}
}
