// VirtualBox's answers to the local-VM layer, all through VBoxManage: a VDI for a disk, a
// registered VM for a definition, showvminfo for asking, the power button for stopping.
import path from 'node:path';
import {MachinistError, errorMessage} from '../../errors.js';
import type {CachedImage} from '../../images/cache.js';
import type {MachineState} from '../../state.js';
import {waitUntil} from '../../polling.js';
import {connectToMachine} from '../../ssh/connect.js';
import {VBoxManageError, classifyError, ipv4ForMac, parseMachineReadable, stateOfVmState, vboxManage, type VBoxManageRunner} from '../../vm/vboxmanage.js';
import type {DriverContext} from '../../driver-context.js';
import {LocalVmDriver, seedFile} from '../local-vm/base.js';
import {makeVdi, rawImageMiB} from './disk.js';
import {forwardSsh, hostOnlyNetwork, parseHostOnlyCidr, waitForAddress, type Manage} from './network.js';
import {defaultShare, splitShareFolder, type VirtualBoxConfig} from './options.js';
import {attachHostOnly, defineVm, syncSize} from './vm.js';

const diskFile = 'disk.vdi';
/** How long an ACPI shutdown may take before stop powers the VM off (docker-machine waited forever). */
const powerButtonTimeoutMs = 90_000;
/** How long the host-only address may take to appear after SSH answers (DHCP on the second NIC). */
const addressTimeoutMs = 90_000;

export class VirtualBoxDriver extends LocalVmDriver<VirtualBoxConfig> {
	readonly driverName = 'virtualbox';
	protected readonly flagPrefix = 'virtualbox';
	private readonly vbox: VBoxManageRunner;

	constructor(config: VirtualBoxConfig, vbox: VBoxManageRunner = vboxManage()) {
		super(config);
		this.vbox = vbox;
	}

	private get name(): string {
		return this.config.MachineName;
	}

	async preCreateCheck(context: DriverContext): Promise<void> {
		const version = (await this.vbox(['--version'], {env: context.env, signal: context.signal})).trim();
		const major = Number(/^(\d+)\./.exec(version)?.[1]);
		if (major > 0 && major < 5) throw new MachinistError(`VirtualBox ${version} is too old: install VirtualBox 5 or later, or use -d qemu`);
		if (this.config.Boot2DockerURL || this.config.Boot2DockerImportVM) {
			context.progress?.({
				type: 'warning',
				message: `${this.config.Boot2DockerURL ? '--virtualbox-boot2docker-url' : '--virtualbox-import-boot2docker-vm'} is ignored: boot2docker is gone (its last release was in 2020); the VM boots a Debian 12 cloud image with Docker instead (--virtualbox-boot-image chooses another raw image)`,
			});
		}

		parseHostOnlyCidr(this.config.HostOnlyCIDR);
		const share = this.share();
		if (share) await this.assertShareFolder(share.host);
		const existing = await this.vbox(['list', 'vms'], {env: context.env, signal: context.signal});
		if (existing.split('\n').some(line => line.startsWith(`"${this.name}" `))) {
			throw new MachinistError(`VirtualBox already has a VM named "${this.name}": choose another machine name, or remove that VM in VirtualBox`);
		}
	}

	override async getIP(context?: DriverContext): Promise<string> {
		if (!context) return super.getIP();
		if ((await this.getState(context)) !== 'Running') throw new MachinistError('Host is not running');
		const ip = await this.readAddress(context);
		this.config.IPAddress = ip;
		return ip;
	}

	override async getURL(context: DriverContext): Promise<string> {
		if ((await this.getState(context)) !== 'Running') throw new MachinistError('Host is not running');
		return `tcp://${await this.getIP(context)}:${this.enginePort()}`;
	}

	async getState(context: DriverContext): Promise<MachineState> {
		return stateOfVmState((await this.info(context)).get('VMState'));
	}

	/** The ACPI power button, polled until the VM is off; powered off when the guest ignores it. */
	async stop(context: DriverContext): Promise<void> {
		let state = await this.getState(context);
		if (state === 'Paused') {
			await this.manage(context)(['controlvm', this.name, 'resume']);
			state = 'Running';
		}

		if (state !== 'Running') return;
		await this.manage(context)(['controlvm', this.name, 'acpipowerbutton']);
		const timeoutMs = context.timings?.stopTimeoutMs ?? powerButtonTimeoutMs;
		if (await waitUntil(async () => (await this.getState(context)) !== 'Running', {intervalMs: 1000, timeoutMs, signal: context.signal})) {
			this.config.IPAddress = '';
			return;
		}

		this.log(context, `The VM did not shut down within ${Math.round(timeoutMs / 1000)} s of the power button; powering it off`);
		await this.kill(context);
	}

	async kill(context: DriverContext): Promise<void> {
		const state = await this.getState(context);
		if (state === 'Running' || state === 'Paused' || state === 'Starting' || state === 'Stopping')
			await this.manage(context)(['controlvm', this.name, 'poweroff']);
		this.config.IPAddress = '';
	}

	async remove(context: DriverContext): Promise<void> {
		let state: MachineState;
		try {
			state = await this.getState(context);
		} catch (error) {
			// No such VM (or no VirtualBox): there is nothing of it to remove but our files.
			if (/has no VM named|VBoxManage not found/.test(errorMessage(error))) {
				await this.removeFiles(context, [diskFile, seedFile]);
				return;
			}

			throw error;
		}

		if (state !== 'Stopped' && state !== 'Saved') await this.kill(context);
		await this.manage(context)(['unregistervm', this.name, '--delete']);
		await this.removeFiles(context, [diskFile, seedFile]);
	}

	/** First, because VirtualBox may refuse the range: better before minutes of download and conversion. */
	protected async prepare(context: DriverContext): Promise<void> {
		await this.hostOnlyNetwork(context);
	}

	protected async imageSizeMiB(image: CachedImage): Promise<number> {
		return rawImageMiB(image, this.config.BootImage);
	}

	protected async makeDisk(image: CachedImage, imageMiB: number, context: DriverContext): Promise<void> {
		await makeVdi(this.manage(context), image, imageMiB, this.file(context, diskFile), this.config.DiskSize);
	}

	protected async growDisk(context: DriverContext, sizeMiB: number): Promise<void> {
		await this.manage(context)(['modifymedium', 'disk', this.file(context, diskFile), '--resize', String(sizeMiB)]);
	}

	/** A running VM takes its new size at the next start (powerOn), as VirtualBox changes only a powered-off one. */
	protected async applySize(context: DriverContext, state: MachineState): Promise<void> {
		if (state === 'Stopped') await syncSize(this.manage(context), this.config, await this.info(context));
	}

	protected seedShares() {
		const share = this.share();
		return share && !share.host.includes('\\') ? [{tag: share.name, guestPath: share.host, fs: 'vboxsf' as const}] : [];
	}

	protected async define(context: DriverContext): Promise<void> {
		this.log(context, 'Creating VirtualBox VM...');
		await defineVm(this.manage(context), this.config, {
			machineDir: context.machineDir,
			disk: this.file(context, diskFile),
			seed: this.file(context, seedFile),
			share: this.share(),
		});
	}

	protected async powerOn(context: DriverContext): Promise<void> {
		const manage = this.manage(context);
		const info = await this.info(context);
		const state = stateOfVmState(info.get('VMState'));
		if (state === 'Running') throw new MachinistError(`Machine "${this.name}" is already running.`);
		if (state === 'Paused') {
			await manage(['controlvm', this.name, 'resume']);
			return;
		}

		if (state === 'Stopped') {
			await syncSize(manage, this.config, info);
			await attachHostOnly(manage, this.config, await this.hostOnlyNetwork(context));
			this.config.SSHPort = await forwardSsh(manage, this.name, info, this.config.SSHPort);
		}

		await manage(['startvm', this.name, '--type', this.config.UIType]);
	}

	/**
	 * Waits for the host-only address. After a boot, also for cloud-init to finish: it restarts
	 * sshd, and provisioning's connections would be reset meanwhile; so the wait is the address's
	 * own plus a boot's.
	 */
	protected async afterBoot(context: DriverContext): Promise<void> {
		this.config.IPAddress = await waitForAddress(this.name, async () => this.readAddress(context, true), {
			timeoutMs: addressTimeoutMs + this.readyTimeoutMs(context),
			signal: context.signal,
		});
	}

	protected async stoppedWhileBooting(context: DriverContext): Promise<string | undefined> {
		if ((await this.getState(context)) !== 'Stopped') return undefined;
		return `the VM ${this.name} stopped while booting: see ${this.vmLog(context)}`;
	}

	protected async stillBooting(): Promise<string> {
		return 'Waiting for the VM to answer SSH...';
	}

	protected async bootTimedOut(context: DriverContext, timeoutMs: number): Promise<string> {
		return `the VM ${this.name} did not answer SSH on 127.0.0.1:${this.config.SSHPort} within ${Math.round(timeoutMs / 1000)} s: see ${this.vmLog(context)}`;
	}

	/** A VBoxManage runner for this machine whose errors name what to do. */
	private manage(context: DriverContext): Manage {
		return async args => {
			try {
				return await this.vbox(args, {env: context.env, signal: context.signal});
			} catch (error) {
				if (!(error instanceof VBoxManageError)) throw error;
				switch (classifyError(error.detail)) {
					case 'not-found': {
						throw new MachinistError(
							`VirtualBox has no VM named "${this.name}" (removed outside machinist?): remove the machine with "rm -f ${this.name}"`,
						);
					}

					case 'locked': {
						throw new MachinistError(
							`VirtualBox's VM "${this.name}" is busy in another session (the VirtualBox window, or another VBoxManage): close it there and try again`,
						);
					}

					default: {
						throw error;
					}
				}
			}
		};
	}

	private async info(context: DriverContext): Promise<Map<string, string>> {
		return parseMachineReadable(await this.manage(context)(['showvminfo', this.name, '--machinereadable']));
	}

	/** The folder shared into the guest and its VirtualBox name, unless --virtualbox-no-share. */
	private share(): {host: string; name: string} | undefined {
		if (this.config.NoShare) return undefined;
		return this.config.ShareFolder ? splitShareFolder(this.config.ShareFolder) : defaultShare();
	}

	private async hostOnlyNetwork(context: DriverContext): Promise<string> {
		return hostOnlyNetwork(this.manage(context), {
			cidrText: this.config.HostOnlyCIDR,
			noDhcp: this.config.HostOnlyNoDHCP,
			log: message => {
				this.log(context, message);
			},
			removeInterface: async name => this.vbox(['hostonlyif', 'remove', name], {env: context.env}),
		});
	}

	private vmLog(context: DriverContext): string {
		return path.join(context.machineDir, this.name, 'Logs', 'VBox.log');
	}

	/** docker-machine's way: nic2's MAC from VirtualBox, then the address of the guest's interface with that MAC. */
	private async readAddress(context: DriverContext, afterBoot = false): Promise<string> {
		const mac = (await this.info(context)).get('macaddress2');
		if (!mac) throw new MachinistError(`the VM ${this.name} has no second network adapter: run "start" to set up its host-only network`);
		const client = await connectToMachine(this.name, await this.sshDetails(), context);
		let output: string;
		try {
			// boot2docker guests have no cloud-init.
			const cloudInit = 'if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi; ';
			output = await client.run(`${afterBoot ? cloudInit : ''}ip addr show`, {signal: context.signal});
		} finally {
			client.close();
		}

		const ip = ipv4ForMac(output, mac);
		if (!ip) throw new MachinistError(`the guest has no IPv4 address on the interface with MAC ${mac} yet`);
		return ip;
	}
}
