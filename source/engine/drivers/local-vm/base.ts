// The one layer the local VM drivers stand on. Making a machine is the same pipeline for every
// hypervisor (image → key → disk → seed → define → boot → wait for SSH), written here once; a
// driver supplies what differs: how its disk is made, how a VM is defined, started, stopped and
// asked for its state. SSH reaches the guest through a forward on 127.0.0.1.
import {randomBytes} from 'node:crypto';
import {rm, stat} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError, errorMessage} from '../../errors.js';
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

/**
 * Grows `/`'s partition to the end of its disk (growpart, which cloud-init uses too; its exit 1
 * is "nothing to grow"), then its file system.
 */
const growRootScript = `set -e
root=$(findmnt -n -o SOURCE /)
name=\${root#/dev/}
if [ -e /sys/class/block/$name/partition ]; then
	command -v growpart >/dev/null || { echo 'growpart is missing: install cloud-guest-utils in the image' >&2; exit 3; }
	growpart /dev/$(basename "$(readlink -f /sys/class/block/$name/..)") "$(cat /sys/class/block/$name/partition)" >/dev/null || [ $? -eq 1 ]
fi
case $(findmnt -n -o FSTYPE /) in
	ext2 | ext3 | ext4) resize2fs "$root" >/dev/null 2>&1 ;;
	xfs) xfs_growfs / >/dev/null ;;
	btrfs) btrfs filesystem resize max / >/dev/null ;;
esac
`;

/** The cloud-init seed's file in the machine directory. */
export const seedFile = 'seed.iso';

export abstract class LocalVmDriver<Config extends LocalVmConfig> extends IpSshDriver<Config> {
	/** create and start return once sshd answers, so provisioning waits only briefly. */
	readonly sshWaitMs = 60_000;

	/** The driver's flag prefix (`qemu`, `virtualbox`), for messages that name its flags. */
	protected abstract readonly flagPrefix: string;
	/**
	 * Whether cloud-init runs at the first boot only, not at every boot. After the first it has
	 * made the user, the keys, Docker's certificates and the mounts, and each later boot it only
	 * delays sshd and dockerd (about 9 s of a 31 s start under TCG); a disk grown since is grown
	 * from here instead (growRootFileSystem).
	 */
	protected readonly cloudInitFirstBootOnly: boolean = false;

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
		const {createMachineKey, generateKeyPair} = await import('../../ssh/keys.js');
		const key = await createMachineKey(context.machineDir, this.config.MachineName);
		this.config.SSHKeyPath = key.privateKeyPath;
		const hostKey = await generateKeyPair('ed25519', `${this.config.MachineName}-host`);

		this.log(context, 'Creating disk image...');
		await this.makeDisk(image, imageMiB, context);
		const docker = await context.dockerSeed?.(this.enginePort());
		await writeSeedIso(this.file(context, seedFile), {
			instanceId: `machinist-${this.config.MachineName}-${randomBytes(4).toString('hex')}`,
			hostname: this.config.MachineName,
			user: guestUser,
			publicKey: key.publicKey,
			shares: this.seedShares(),
			hostKey,
			firstBootOnly: this.cloudInitFirstBootOnly,
			...(docker ? {docker} : {}),
		});
		await this.define(context);

		this.log(context, 'Starting the VM...');
		await this.powerOn(context);
		// Pinned once the SSH port is known (VirtualBox picks it at power-on), before any connection.
		const {pinHostKey} = await import('../../ssh/hostkeys.js');
		const {knownHostsFileOf} = await import('../../ssh/connect.js');
		await pinHostKey(knownHostsFileOf(context.machineDir), '127.0.0.1', this.config.SSHPort, hostKey.publicKey);
		await this.finishBoot(context);
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
			this.config.GrowRootFileSystem = true;
		}

		if (size.cpus !== undefined) this.config.CPU = size.cpus;
		if (size.memoryMb !== undefined) this.config.Memory = size.memoryMb;
		await this.applySize(context, state);
	}

	async start(context: DriverContext): Promise<void> {
		await this.powerOn(context);
		await this.finishBoot(context);
	}

	/** From power-on to up: sshd answers, then what the driver still needs, then a grown disk's file system. */
	private async finishBoot(context: DriverContext): Promise<void> {
		await this.waitForSsh(context);
		await this.afterBoot(context);
		if (this.config.GrowRootFileSystem) await this.growRootFileSystem(context);
	}

	/**
	 * The partition and file system of `/` take the disk grown while the VM was stopped (where
	 * cloud-init still runs at boot it did so already, and this finds nothing to do). A failure
	 * is a warning, tried again at the next start: the machine itself is up.
	 */
	private async growRootFileSystem(context: DriverContext): Promise<void> {
		const {connectToMachine} = await import('../../ssh/connect.js');
		const {shellQuote} = await import('../../ssh/quote.js');
		try {
			const client = await connectToMachine(this.config.MachineName, await this.sshDetails(), context);
			try {
				await client.sudo(`sh -c ${shellQuote(growRootScript)}`, {signal: context.signal});
			} finally {
				client.close();
			}

			delete this.config.GrowRootFileSystem;
		} catch (error) {
			context.signal?.throwIfAborted();
			this.log(
				context,
				`Warning: the disk grew to ${this.config.DiskSize} MB but the root file system did not (${errorMessage(error)}); the next start tries again`,
			);
		}
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
				// A banner check on 127.0.0.1 costs nothing; a coarser step only adds to every boot.
				intervalMs: 250,
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
