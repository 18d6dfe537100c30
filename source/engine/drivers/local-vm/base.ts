// The one layer the local VM drivers stand on. Making a machine is the same pipeline for every
// hypervisor (image → key → disk → seed → define → boot → wait for SSH), written here once; a
// driver supplies what differs: how its disk is made, how a VM is defined, started, stopped and
// asked for its state. SSH reaches the guest through a forward on 127.0.0.1.
import {randomBytes} from 'node:crypto';
import {rm, stat} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import type {CachedImage} from '../../images/cache.js';
import type {MachineState} from '../../state.js';
import {pollUntil} from '../../polling.js';
import {writeSeedIso, type SeedConfig} from '../../vm/cidata.js';
import {sshBannerAnswers} from '../../vm/ports.js';
import type {DriverContext, SshDetails} from '../../driver-context.js';
import type {VmSize} from '../driver.js';
import {IpSshDriver} from '../ip-ssh.js';
import {guestUser, type LocalVmConfig} from './config.js';
import {fetchBootImage} from './image.js';

/** The cloud-init seed's file in the machine directory. */
export const seedFile = 'seed.iso';

export abstract class LocalVmDriver<Config extends LocalVmConfig> extends IpSshDriver<Config> {
	/** create and start return once sshd answers, so provisioning waits only briefly. */
	readonly sshWaitMs = 60_000;

	/** The driver's flag prefix (`qemu`, `virtualbox`), for messages that name its flags. */
	protected abstract readonly flagPrefix: string;

	abstract preCreateCheck(context: DriverContext): Promise<void>;
	abstract stop(context: DriverContext): Promise<void>;
	abstract kill(context: DriverContext): Promise<void>;
	abstract remove(context: DriverContext): Promise<void>;
	abstract override getState(context: DriverContext): Promise<MachineState>;

	/** Before the download: what create must choose (free ports) or may refuse at once (VirtualBox's host-only range). */
	protected abstract prepare(context: DriverContext): Promise<void>;
	/** The image's size as a disk, in MiB; throws for an image this hypervisor cannot boot. */
	protected abstract imageSizeMiB(image: CachedImage, context: DriverContext): Promise<number>;
	/** Makes the machine's disk from the image, DiskSize MiB large. */
	protected abstract makeDisk(image: CachedImage, imageMiB: number, context: DriverContext): Promise<void>;
	/** The host folders the guest mounts at every boot. */
	protected abstract seedShares(): SeedConfig['shares'];
	/** Registers the VM with a hypervisor that keeps VM definitions. */
	protected abstract define(context: DriverContext): Promise<void>;
	/** Powers the VM on (or resumes it) and returns once the hypervisor runs it; throws when it already runs. */
	protected abstract powerOn(context: DriverContext): Promise<void>;
	/** Grows the stopped VM's disk to `sizeMiB`. */
	protected abstract growDisk(context: DriverContext, sizeMiB: number): Promise<void>;
	/** After the config took a new CPU count or memory: what the hypervisor must be told (VirtualBox keeps them in its VM). */
	protected abstract applySize(context: DriverContext, state: MachineState): Promise<void>;
	/** After SSH answers: what the machine still needs before it is up. */
	protected abstract afterBoot(context: DriverContext): Promise<void>;
	/** While SSH does not answer yet: undefined while the VM runs, else the message for a VM that stopped booting. */
	protected abstract stoppedWhileBooting(context: DriverContext): Promise<string | undefined>;
	/** The line shown every 15 s of a boot. */
	protected abstract stillBooting(context: DriverContext): Promise<string>;
	/** The message for a VM that did not answer SSH within `timeoutMs`, saying where to look. */
	protected abstract bootTimedOut(context: DriverContext, timeoutMs: number): Promise<string>;

	async create(context: DriverContext): Promise<void> {
		await this.prepare(context);
		const image = await fetchBootImage(this.config, context);
		const imageMiB = await this.imageSizeMiB(image, context);
		if (this.config.DiskSize < imageMiB) {
			throw new MachinistError(
				`--${this.flagPrefix}-disk-size ${this.config.DiskSize} is smaller than the image (${imageMiB} MiB): give at least ${imageMiB}`,
			);
		}

		this.log(context, 'Creating SSH key...');
		const {createMachineKey} = await import('../../ssh/keys.js');
		const key = await createMachineKey(context.machineDir, this.config.MachineName);
		this.config.SSHKeyPath = key.privateKeyPath;

		this.log(context, 'Creating disk image...');
		await this.makeDisk(image, imageMiB, context);
		const docker = await context.dockerSeed?.(this.enginePort());
		await writeSeedIso(this.file(context, seedFile), {
			instanceId: `machinist-${this.config.MachineName}-${randomBytes(4).toString('hex')}`,
			hostname: this.config.MachineName,
			user: guestUser,
			publicKey: key.publicKey,
			shares: this.seedShares(),
			...(docker ? {docker} : {}),
		});
		await this.define(context);

		this.log(context, 'Starting the VM...');
		await this.start(context);
	}

	async resize(context: DriverContext, size: VmSize, options: {checkOnly?: boolean} = {}): Promise<void> {
		const name = this.config.MachineName;
		const grow = size.diskSizeMb !== undefined && size.diskSizeMb !== this.config.DiskSize;
		if (size.diskSizeMb !== undefined && size.diskSizeMb < this.config.DiskSize) {
			throw new MachinistError(`the disk of ${name} is ${this.config.DiskSize} MB and only grows: give --disk-size above ${this.config.DiskSize}`);
		}

		if (options.checkOnly) return;
		const state = await this.getState(context);
		if (grow && state !== 'Stopped') throw new MachinistError(`the disk of ${name} grows while it is stopped: stop it first, or add --restart`);
		if (grow) {
			this.log(context, `Growing the disk to ${size.diskSizeMb} MB...`);
			await this.growDisk(context, size.diskSizeMb!);
			this.config.DiskSize = size.diskSizeMb!;
		}

		if (size.cpus !== undefined) this.config.CPU = size.cpus;
		if (size.memoryMb !== undefined) this.config.Memory = size.memoryMb;
		await this.applySize(context, state);
	}

	async start(context: DriverContext): Promise<void> {
		await this.powerOn(context);
		await this.waitForSsh(context);
		await this.afterBoot(context);
	}

	async restart(context: DriverContext): Promise<void> {
		await this.stop(context);
		await this.start(context);
	}

	override async sshDetails(): Promise<SshDetails> {
		return {host: '127.0.0.1', port: this.config.SSHPort, user: this.config.SSHUser, keyPath: this.config.SSHKeyPath};
	}

	protected file(context: DriverContext, name: string): string {
		return path.join(context.machineDir, name);
	}

	protected async removeFiles(context: DriverContext, names: readonly string[]): Promise<void> {
		for (const name of names) await rm(this.file(context, name), {force: true});
	}

	/** The folder to share must exist as a directory on this computer. */
	protected async assertShareFolder(host: string): Promise<void> {
		const info = await stat(host).catch(() => undefined);
		if (!info?.isDirectory()) {
			throw new MachinistError(
				`the share folder ${host} is not a directory: check --${this.flagPrefix}-share-folder, or use --${this.flagPrefix}-no-share`,
			);
		}
	}

	/**
	 * Waits for sshd's banner through the forward (an open port proves nothing: the forward
	 * accepts while nothing listens inside), ending early when the VM stops.
	 */
	private async waitForSsh(context: DriverContext): Promise<void> {
		const timeoutMs = this.readyTimeoutMs(context);
		await pollUntil(
			async () => {
				if (await sshBannerAnswers(this.config.SSHPort)) return true;
				const stopped = await this.stoppedWhileBooting(context);
				if (stopped) throw new MachinistError(stopped);
				return undefined;
			},
			{
				intervalMs: 1000,
				timeoutMs,
				signal: context.signal,
				timedOut: async () => new MachinistError(await this.bootTimedOut(context, timeoutMs)),
				stillWaiting: async () => {
					this.log(context, await this.stillBooting(context));
				},
			},
		);
	}
}
