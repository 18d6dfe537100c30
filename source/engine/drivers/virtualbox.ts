// docker-machine's default driver: a VM in VirtualBox, driven through VBoxManage. New machines
// boot the same Debian cloud image as the qemu driver (boot2docker is gone); machines
// docker-machine made (boot2docker guests) keep working from a shared store.
import {randomBytes} from 'node:crypto';
import {rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {MachinistError, errorMessage} from '../errors.js';
import {ensureImage} from '../images/cache.js';
import type {MachineState} from '../state.js';
import {boolOption, intOption, stringOption, type OptionSpec} from '../options.js';
import {pause} from '../polling.js';
import {connectToMachine} from '../ssh/connect.js';
import type {BaseDriverConfig} from '../store/host.js';
import {writeSeedIso} from '../vm/cidata.js';
import {freePort, assertPortFree, sshBannerAnswers} from '../vm/runtime.js';
import {
	VBoxManageError,
	classifyError,
	ipv4ForMac,
	natForwards,
	parseListBlocks,
	parseMachineReadable,
	stateOfVmState,
	vboxManage,
	type VBoxManageRunner,
} from '../vm/vboxmanage.js';
import type {DriverContext} from '../driver-context.js';
import {boolField, numberField, stringField} from './fields.js';
import {IpSshDriver} from './ip-ssh.js';
import type {DriverDefinition} from './driver.js';

/** The fields docker-machine 0.16.2 writes for a virtualbox machine (so a shared store works both ways), and two of ours. */
type VirtualBoxConfig = BaseDriverConfig & {
	VBoxManager: Record<string, unknown>;
	HostInterfaces: Record<string, unknown>;
	CPU: number;
	/** MB. */
	Memory: number;
	/** MB. */
	DiskSize: number;
	NatNicType: string;
	Boot2DockerURL: string;
	Boot2DockerImportVM: string;
	HostDNSResolver: boolean;
	HostOnlyCIDR: string;
	HostOnlyNicType: string;
	HostOnlyPromiscMode: string;
	UIType: string;
	HostOnlyNoDHCP: boolean;
	NoShare: boolean;
	DNSProxy: boolean;
	NoVTXCheck: boolean;
	/** `hostdir:sharename`, as docker-machine took it; empty for the default. */
	ShareFolder: string;
	/** Ours: the raw cloud image new machines boot (docker-machine ignores unknown fields). */
	BootImage: string;
	BootImageChecksum: string;
};

const debianRaw: Record<string, string> = {
	x64: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.raw',
	arm64: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-arm64.raw',
};
/**
 * The qemu driver's Debian `generic` image in its raw form, which Debian publishes beside the
 * qcow2: VBoxManage converts raw images itself, so no qemu-img is needed. The generic kernel
 * (not genericcloud) has Linux's vboxguest and vboxsf, which mount the shared folder.
 */
export const defaultRawImage = {
	url: debianRaw[process.arch] ?? debianRaw.x64!,
	checksum: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS',
};

/** VirtualBox 6.1.28 and later allow only 192.168.56.0/21 on Linux and macOS hosts; minikube moved to this range too. */
export const defaultHostOnlyCidr = '192.168.59.1/24';

const guestUser = 'docker';
const files = {disk: 'disk.vdi', seed: 'seed.iso'} as const;
const storageController = 'SATA';
/** How long an ACPI shutdown may take before stop powers the VM off (docker-machine waited forever). */
const powerButtonTimeoutMs = 90_000;
/** How long the host-only address may take to appear after SSH answers (DHCP on the second NIC). */
const addressTimeoutMs = 90_000;
const defaultBootTimeoutMs = 300_000;

type Cidr = {ip: string; prefix: number; mask: string; network: number};

function ipToNumber(ip: string): number {
	return ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

function numberToIp(value: number): string {
	return [24, 16, 8, 0].map(shift => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `192.168.59.1/24`: the host's address on the host-only network and its prefix. */
export function parseHostOnlyCidr(text: string): Cidr {
	const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
	const parts = match?.slice(1, 5).map(Number) ?? [];
	const prefix = Number(match?.[5]);
	if (!match || parts.some(part => part > 255) || prefix < 8 || prefix > 30) {
		throw new MachinistError(`--virtualbox-hostonly-cidr "${text}" is not an IPv4 CIDR like ${defaultHostOnlyCidr}`);
	}

	const ip = parts.join('.');
	const size = 2 ** (32 - prefix);
	const network = Math.floor(ipToNumber(ip) / size) * size;
	if (ipToNumber(ip) === network) {
		throw new MachinistError(
			`--virtualbox-hostonly-cidr "${text}" is the network's own address: give the host's address in it, e.g. ${numberToIp(network + 1)}/${prefix}`,
		);
	}

	return {ip, prefix, mask: numberToIp(2 ** 32 - size), network};
}

/** docker-machine's DHCP layout: a server address other than the host's, leases from .100 (prefix ≤ 24). */
function dhcpLayout(cidr: Cidr): {server: string; lower: string; upper: string} {
	const size = 2 ** (32 - cidr.prefix);
	const host = ipToNumber(cidr.ip);
	const server = host === cidr.network + 2 ? cidr.network + 3 : cidr.network + 2;
	const lower = cidr.prefix <= 24 ? cidr.network + 100 : server + 1;
	return {server: numberToIp(server), lower: numberToIp(lower), upper: numberToIp(cidr.network + size - 2)};
}

/** docker-machine's default share per system: the folder holding the users' homes. */
function defaultShare(): {host: string; name: string} | undefined {
	switch (process.platform) {
		case 'darwin': {
			return {host: '/Users', name: 'Users'};
		}

		case 'win32': {
			return {host: String.raw`C:\Users`, name: 'c/Users'};
		}

		default: {
			return {host: '/home', name: 'hosthome'};
		}
	}
}

/**
 * docker-machine's `hostdir:sharename`; without a name, the path without its leading slash. A
 * Windows drive's colon (`C:\\Users`) is part of the path; names may hold slashes (`c/Users`).
 */
export function splitShareFolder(text: string): {host: string; name: string} {
	const colon = text.indexOf(':', /^[A-Za-z]:[/\\]/.test(text) ? 2 : 0);
	if (colon > 0) return {host: text.slice(0, colon), name: text.slice(colon + 1)};
	return {host: text, name: text.replaceAll(/^[/\\]+|:/g, '').replaceAll('\\', '/') || 'share'};
}

class VirtualBoxDriver extends IpSshDriver<VirtualBoxConfig> {
	readonly driverName = 'virtualbox';
	/** create and start return once SSH answers. */
	readonly sshWaitMs = 60_000;
	private readonly vbox: VBoxManageRunner;

	constructor(config: VirtualBoxConfig, vbox: VBoxManageRunner = vboxManage()) {
		super(config);
		this.vbox = vbox;
	}

	private get name(): string {
		return this.config.MachineName;
	}

	private file(context: DriverContext, name: keyof typeof files): string {
		return path.join(context.machineDir, files[name]);
	}

	/** A VBoxManage call whose errors name what to do. */
	private async manage(args: string[], context: DriverContext): Promise<string> {
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
	}

	private async info(context: DriverContext): Promise<Map<string, string>> {
		return parseMachineReadable(await this.manage(['showvminfo', this.name, '--machinereadable'], context));
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
		if (share) {
			const info = await stat(share.host).catch(() => undefined);
			if (!info?.isDirectory())
				throw new MachinistError(`the share folder ${share.host} is not a directory: check --virtualbox-share-folder, or use --virtualbox-no-share`);
		}

		const existing = await this.vbox(['list', 'vms'], {env: context.env, signal: context.signal});
		if (existing.split('\n').some(line => line.startsWith(`"${this.name}" `))) {
			throw new MachinistError(`VirtualBox already has a VM named "${this.name}": choose another machine name, or remove that VM in VirtualBox`);
		}
	}

	/** The folder shared into the guest and its VirtualBox name, unless --virtualbox-no-share. */
	private share(): {host: string; name: string} | undefined {
		if (this.config.NoShare) return undefined;
		return this.config.ShareFolder ? splitShareFolder(this.config.ShareFolder) : defaultShare();
	}

	async create(context: DriverContext): Promise<void> {
		// First, because VirtualBox may refuse the range: better before minutes of download and conversion.
		await this.hostOnlyNetwork(context);
		const image = await this.fetchImage(context);
		if (image.format !== 'raw') {
			throw new MachinistError(
				`${this.config.BootImage} is a ${image.format} image; VirtualBox converts raw ones: give the .raw image (Debian publishes it beside the .qcow2) with --virtualbox-boot-image`,
			);
		}

		this.log(context, 'Creating SSH key...');
		const {generateKeyPair, writeKeyPair} = await import('../ssh/keys.js');
		const pair = await generateKeyPair('ed25519', `machinist-${this.name}`);
		this.config.SSHKeyPath = (await writeKeyPair(context.machineDir, pair)).privateKeyPath;

		this.log(context, 'Creating disk image...');
		const imageMiB = Math.ceil((await stat(image.path)).size / 1024 / 1024);
		if (this.config.DiskSize < imageMiB) {
			throw new MachinistError(`--virtualbox-disk-size ${this.config.DiskSize} is smaller than the image (${imageMiB} MB): give at least ${imageMiB}`);
		}

		const disk = this.file(context, 'disk');
		await this.manage(['convertfromraw', image.path, disk, '--format', 'VDI'], context);
		if (this.config.DiskSize > imageMiB) await this.manage(['modifymedium', 'disk', disk, '--resize', String(this.config.DiskSize)], context);
		const share = this.share();
		await writeSeedIso(this.file(context, 'seed'), {
			instanceId: `machinist-${this.name}-${randomBytes(4).toString('hex')}`,
			hostname: this.name,
			user: guestUser,
			publicKey: pair.publicKey,
			shares: share && !share.host.includes('\\') ? [{tag: share.name, guestPath: share.host, fs: 'vboxsf'}] : [],
		});

		this.log(context, 'Creating VirtualBox VM...');
		await this.manage(['createvm', '--basefolder', context.machineDir, '--name', this.name, '--register'], context);
		const onOff = (value: boolean) => (value ? 'on' : 'off');
		await this.manage(
			[
				'modifyvm',
				this.name,
				'--firmware',
				'bios',
				'--bioslogofadein',
				'off',
				'--bioslogofadeout',
				'off',
				'--bioslogodisplaytime',
				'0',
				'--biosbootmenu',
				'disabled',
				'--ostype',
				process.arch === 'arm64' ? 'Debian_arm64' : 'Debian_64',
				'--cpus',
				String(this.cpuCount()),
				'--memory',
				String(this.config.Memory),
				'--acpi',
				'on',
				'--ioapic',
				'on',
				'--rtcuseutc',
				'on',
				'--natdnshostresolver1',
				onOff(this.config.HostDNSResolver),
				'--natdnsproxy1',
				onOff(this.config.DNSProxy),
				'--cpuhotplug',
				'off',
				'--pae',
				'on',
				'--hpet',
				'on',
				'--hwvirtex',
				'on',
				'--nestedpaging',
				'on',
				'--largepages',
				'on',
				'--vtxvpid',
				'on',
				'--accelerate3d',
				'off',
				'--boot1',
				'disk',
			],
			context,
		);
		await this.manage(['modifyvm', this.name, '--nic1', 'nat', '--nictype1', this.config.NatNicType, '--cableconnected1', 'on'], context);
		await this.manage(['storagectl', this.name, '--name', storageController, '--add', 'sata', '--hostiocache', 'on'], context);
		await this.manage(
			[
				'storageattach',
				this.name,
				'--storagectl',
				storageController,
				'--port',
				'0',
				'--device',
				'0',
				'--type',
				'dvddrive',
				'--medium',
				this.file(context, 'seed'),
			],
			context,
		);
		await this.manage(
			['storageattach', this.name, '--storagectl', storageController, '--port', '1', '--device', '0', '--type', 'hdd', '--medium', disk],
			context,
		);
		if (share) {
			await this.manage(['sharedfolder', 'add', this.name, '--name', share.name, '--hostpath', share.host, '--automount'], context);
			await this.manage(['setextradata', this.name, `VBoxInternal2/SharedFoldersEnableSymlinksCreate/${share.name}`, '1'], context);
		}

		this.log(context, 'Starting the VM...');
		await this.start(context);
	}

	/** docker-machine's rule: 0 or less means all of this computer's CPUs, at most 32. */
	private cpuCount(): number {
		return this.config.CPU > 0 ? this.config.CPU : Math.min(os.availableParallelism(), 32);
	}

	private async fetchImage(context: DriverContext) {
		const cacheDir = path.join(this.config.StorePath, 'cache');
		let lastPercent = -1;
		return ensureImage(this.config.BootImage, {
			cacheDir,
			env: context.env,
			checksum: this.config.BootImageChecksum,
			signal: context.signal,
			onDownload: (url, size) => {
				this.log(context, `Downloading ${url}${size ? ` (${Math.ceil(size / 1024 / 1024)} MiB)` : ''} to ${cacheDir}...`);
			},
			onProgress: (received, total) => {
				const percent = total ? Math.floor((received / total) * 100) : -1;
				if (!total || percent === lastPercent) return;
				lastPercent = percent;
				context.progress?.({
					type: 'download',
					machine: this.name,
					received,
					total,
					message: `Downloading ${path.posix.basename(this.config.BootImage)}: ${percent}%`,
				});
			},
			onWarning(message) {
				context.progress?.({type: 'warning', message});
			},
		});
	}

	/** Finds or makes the host-only interface with the CIDR's address, and its DHCP server; returns its name. */
	private async hostOnlyNetwork(context: DriverContext): Promise<string> {
		const cidr = parseHostOnlyCidr(this.config.HostOnlyCIDR);
		const interfaces = parseListBlocks(await this.manage(['list', 'hostonlyifs'], context));
		let name = interfaces.find(block => block.get('ipaddress') === cidr.ip && block.get('networkmask') === cidr.mask)?.get('name');
		if (!name) {
			const clash = interfaces.find(block => {
				const ip = block.get('ipaddress');
				const mask = block.get('networkmask');
				return (
					ip && mask && Math.floor(ipToNumber(ip) / 2 ** (32 - cidr.prefix)) === Math.floor(cidr.network / 2 ** (32 - cidr.prefix)) && ip !== cidr.ip
				);
			});
			if (clash) {
				throw new MachinistError(
					`the host-only interface ${clash.get('name')} already has ${clash.get('ipaddress')} in ${this.config.HostOnlyCIDR}: give --virtualbox-hostonly-cidr ${clash.get('ipaddress')}/${cidr.prefix}, or another range`,
				);
			}

			this.log(context, `Creating a host-only interface for ${this.config.HostOnlyCIDR}...`);
			const created = await this.manage(['hostonlyif', 'create'], context);
			name = /Interface '([^']+)' was successfully created/.exec(created)?.[1];
			if (!name) throw new MachinistError(`VBoxManage hostonlyif create named no interface (it said: ${created.trim() || 'nothing'}): check VirtualBox`);
			try {
				await this.manage(['hostonlyif', 'ipconfig', name, '--ip', cidr.ip, '--netmask', cidr.mask], context);
			} catch (error) {
				await this.vbox(['hostonlyif', 'remove', name], {env: context.env}).catch(() => undefined);
				if (error instanceof VBoxManageError && classifyError(error.detail) === 'access-denied') {
					const network = `${numberToIp(cidr.network)}/${cidr.prefix}`;
					throw new MachinistError(
						`VirtualBox refused the host-only range ${this.config.HostOnlyCIDR}: since 6.1.28 it allows only 192.168.56.0/21 unless /etc/vbox/networks.conf lists the range; add the line "* ${network}" to /etc/vbox/networks.conf, or use --virtualbox-hostonly-cidr ${defaultHostOnlyCidr}`,
					);
				}

				throw error;
			}
		}

		if (!this.config.HostOnlyNoDHCP) {
			const netName = `HostInterfaceNetworking-${name}`;
			const servers = parseListBlocks(await this.manage(['list', 'dhcpservers'], context));
			const exists = servers.some(block => block.get('networkname') === netName);
			const layout = dhcpLayout(cidr);
			await this.manage(
				[
					'dhcpserver',
					exists ? 'modify' : 'add',
					'--netname',
					netName,
					'--ip',
					layout.server,
					'--netmask',
					cidr.mask,
					'--lowerip',
					layout.lower,
					'--upperip',
					layout.upper,
					'--enable',
				],
				context,
			);
		}

		return name;
	}

	async start(context: DriverContext): Promise<void> {
		const info = await this.info(context);
		const state = stateOfVmState(info.get('VMState'));
		if (state === 'Running') throw new MachinistError(`Machine "${this.name}" is already running.`);
		if (state === 'Paused') {
			await this.manage(['controlvm', this.name, 'resume'], context);
		} else {
			if (state === 'Stopped') {
				const hostOnly = await this.hostOnlyNetwork(context);
				await this.manage(
					[
						'modifyvm',
						this.name,
						'--nic2',
						'hostonly',
						'--nictype2',
						this.config.HostOnlyNicType,
						'--nicpromisc2',
						this.config.HostOnlyPromiscMode,
						'--hostonlyadapter2',
						hostOnly,
						'--cableconnected2',
						'on',
					],
					context,
				);
				await this.forwardSsh(info, context);
			}

			await this.manage(['startvm', this.name, '--type', this.config.UIType], context);
		}

		await this.waitForSsh(context);
		this.config.IPAddress = await this.waitForAddress(context, true);
	}

	/** The NAT rule `ssh,tcp,127.0.0.1,PORT,,22`, on the machine's port when it is still free, else on a free one. */
	private async forwardSsh(info: Map<string, string>, context: DriverContext): Promise<void> {
		let port = this.config.SSHPort;
		const free =
			port > 0 &&
			(await assertPortFree(port, 'port').then(
				() => true,
				() => false,
			));
		if (!free) port = await freePort();
		if (natForwards(info).some(forward => forward.name === 'ssh')) await this.manage(['modifyvm', this.name, '--natpf1', 'delete', 'ssh'], context);
		await this.manage(['modifyvm', this.name, '--natpf1', `ssh,tcp,127.0.0.1,${port},,22`], context);
		this.config.SSHPort = port;
	}

	private bootTimeoutMs(context: DriverContext): number {
		return context.timings?.readyTimeoutMs ?? defaultBootTimeoutMs;
	}

	private async vmLog(context: DriverContext): Promise<string> {
		return path.join(context.machineDir, this.name, 'Logs', 'VBox.log');
	}

	private async waitForSsh(context: DriverContext): Promise<void> {
		const deadline = Date.now() + this.bootTimeoutMs(context);
		let reported = Date.now();
		while (Date.now() < deadline) {
			context.signal?.throwIfAborted();
			if (await sshBannerAnswers(this.config.SSHPort)) return;
			const state = stateOfVmState((await this.info(context)).get('VMState'));
			if (state === 'Stopped') throw new MachinistError(`the VM ${this.name} stopped while booting: see ${await this.vmLog(context)}`);
			if (Date.now() - reported >= 15_000) {
				reported = Date.now();
				this.log(context, 'Waiting for the VM to answer SSH...');
			}

			await pause(1000, context.signal);
		}

		throw new MachinistError(
			`the VM ${this.name} did not answer SSH on 127.0.0.1:${this.config.SSHPort} within ${Math.round(this.bootTimeoutMs(context) / 1000)} s: see ${await this.vmLog(context)}`,
		);
	}

	/**
	 * Waits for the host-only NIC to get its address from DHCP. After a boot, also for cloud-init
	 * to finish: it restarts sshd, and provisioning's connections would be reset meanwhile.
	 */
	private async waitForAddress(context: DriverContext, afterBoot = false): Promise<string> {
		const deadline = Date.now() + addressTimeoutMs + (afterBoot ? this.bootTimeoutMs(context) : 0);
		let last = '';
		while (Date.now() < deadline) {
			try {
				return await this.readAddress(context, afterBoot);
			} catch (error) {
				last = errorMessage(error);
			}

			await pause(2000, context.signal);
		}

		throw new MachinistError(`the VM ${this.name} got no address on its host-only network within ${addressTimeoutMs / 1000} s (${last})`);
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

	override async sshDetails() {
		return {host: '127.0.0.1', port: this.config.SSHPort, user: this.config.SSHUser, keyPath: this.config.SSHKeyPath};
	}

	async getState(context: DriverContext): Promise<MachineState> {
		return stateOfVmState((await this.info(context)).get('VMState'));
	}

	/** The ACPI power button, polled until the VM is off; powered off when the guest ignores it. */
	async stop(context: DriverContext): Promise<void> {
		let state = await this.getState(context);
		if (state === 'Paused') {
			await this.manage(['controlvm', this.name, 'resume'], context);
			state = 'Running';
		}

		if (state !== 'Running') return;
		await this.manage(['controlvm', this.name, 'acpipowerbutton'], context);
		const timeoutMs = context.timings?.stopTimeoutMs ?? powerButtonTimeoutMs;
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			await pause(1000, context.signal);
			if ((await this.getState(context)) !== 'Running') {
				this.config.IPAddress = '';
				return;
			}
		}

		this.log(context, `The VM did not shut down within ${Math.round(timeoutMs / 1000)} s of the power button; powering it off`);
		await this.kill(context);
	}

	async restart(context: DriverContext): Promise<void> {
		await this.stop(context);
		await this.start(context);
	}

	async kill(context: DriverContext): Promise<void> {
		const state = await this.getState(context);
		if (state === 'Running' || state === 'Paused' || state === 'Starting' || state === 'Stopping')
			await this.manage(['controlvm', this.name, 'poweroff'], context);
		this.config.IPAddress = '';
	}

	async remove(context: DriverContext): Promise<void> {
		let state: MachineState;
		try {
			state = await this.getState(context);
		} catch (error) {
			// No such VM (or no VirtualBox): there is nothing of it to remove but our files.
			if (/has no VM named|VBoxManage not found/.test(errorMessage(error))) {
				await this.removeFiles(context);
				return;
			}

			throw error;
		}

		if (state !== 'Stopped' && state !== 'Saved') await this.kill(context);
		await this.manage(['unregistervm', this.name, '--delete'], context);
		await this.removeFiles(context);
	}

	private async removeFiles(context: DriverContext): Promise<void> {
		for (const name of ['disk', 'seed'] as const) await rm(this.file(context, name), {force: true});
	}
}

function atLeast(flag: string, minimum: number) {
	return (value: unknown) => (Number(value) >= minimum ? undefined : `--${flag} ${String(value)} is too small: use at least ${minimum}`);
}

function oneOf(flag: string, values: readonly string[]) {
	return (value: unknown) => (values.includes(String(value)) ? undefined : `--${flag} "${String(value)}" is not one of ${values.join(', ')}`);
}

const nicTypes = ['Am79C970A', 'Am79C973', '82540EM', '82543GC', '82545EM', 'virtio'] as const;

const options: readonly OptionSpec[] = [
	{
		name: 'virtualbox-memory',
		type: 'int',
		envVar: 'VIRTUALBOX_MEMORY_SIZE',
		default: 1024,
		description: 'size of memory for the VM (in MB)',
		validate: atLeast('virtualbox-memory', 256),
	},
	{
		name: 'virtualbox-cpu-count',
		type: 'int',
		envVar: 'VIRTUALBOX_CPU_COUNT',
		default: 1,
		description: "number of CPUs for the VM (0 or less: all of this computer's, at most 32)",
	},
	{
		name: 'virtualbox-disk-size',
		type: 'int',
		envVar: 'VIRTUALBOX_DISK_SIZE',
		default: 20_000,
		description: 'size of the disk for the VM (in MB)',
		validate: atLeast('virtualbox-disk-size', 1024),
	},
	{
		name: 'virtualbox-boot-image',
		type: 'string',
		envVar: 'VIRTUALBOX_BOOT_IMAGE',
		default: defaultRawImage.url,
		description: 'the raw cloud image the VM boots: a URL (downloaded once into the cache) or a local file',
	},
	{
		name: 'virtualbox-boot-image-checksum',
		type: 'string',
		envVar: 'VIRTUALBOX_BOOT_IMAGE_CHECKSUM',
		description: "the image's checksum: sha256:HEX, sha512:HEX, or the URL of a sums file (default: Debian's SHA512SUMS for the default image)",
		advanced: true,
	},
	{
		name: 'virtualbox-boot2docker-url',
		type: 'string',
		envVar: 'VIRTUALBOX_BOOT2DOCKER_URL',
		description: 'ignored: boot2docker is gone; the VM boots --virtualbox-boot-image',
		advanced: true,
	},
	{
		name: 'virtualbox-import-boot2docker-vm',
		type: 'string',
		envVar: 'VIRTUALBOX_BOOT2DOCKER_IMPORT_VM',
		description: 'ignored: boot2docker is gone; the VM boots --virtualbox-boot-image',
		advanced: true,
	},
	{
		name: 'virtualbox-host-dns-resolver',
		type: 'bool',
		envVar: 'VIRTUALBOX_HOST_DNS_RESOLVER',
		description: "use the host's DNS resolver for the VM",
		advanced: true,
	},
	{
		name: 'virtualbox-nat-nictype',
		type: 'string',
		envVar: 'VIRTUALBOX_NAT_NICTYPE',
		default: '82540EM',
		description: 'NIC type of the NAT network adapter',
		advanced: true,
		validate: oneOf('virtualbox-nat-nictype', nicTypes),
	},
	{
		name: 'virtualbox-hostonly-cidr',
		type: 'string',
		envVar: 'VIRTUALBOX_HOSTONLY_CIDR',
		default: defaultHostOnlyCidr,
		description:
			"the host's address and prefix on the host-only network (VirtualBox 6.1.28+ allows 192.168.56.0/21 unless /etc/vbox/networks.conf lists more)",
		validate(value) {
			try {
				parseHostOnlyCidr(String(value));
				return undefined;
			} catch (error) {
				return errorMessage(error);
			}
		},
	},
	{
		name: 'virtualbox-hostonly-nictype',
		type: 'string',
		envVar: 'VIRTUALBOX_HOSTONLY_NIC_TYPE',
		default: '82540EM',
		description: 'NIC type of the host-only network adapter',
		advanced: true,
		validate: oneOf('virtualbox-hostonly-nictype', nicTypes),
	},
	{
		name: 'virtualbox-hostonly-nicpromisc',
		type: 'string',
		envVar: 'VIRTUALBOX_HOSTONLY_NIC_PROMISC',
		default: 'deny',
		description: 'promiscuous mode of the host-only adapter: deny, allow-vms or allow-all',
		advanced: true,
		validate: oneOf('virtualbox-hostonly-nicpromisc', ['deny', 'allow-vms', 'allow-all']),
	},
	{
		name: 'virtualbox-ui-type',
		type: 'string',
		envVar: 'VIRTUALBOX_UI_TYPE',
		default: 'headless',
		description: 'how the VM is shown: headless, gui, sdl or separate',
		advanced: true,
		validate: oneOf('virtualbox-ui-type', ['headless', 'gui', 'sdl', 'separate']),
	},
	{
		name: 'virtualbox-hostonly-no-dhcp',
		type: 'bool',
		envVar: 'VIRTUALBOX_HOSTONLY_NO_DHCP',
		description: 'do not set up a DHCP server on the host-only network',
		advanced: true,
	},
	{name: 'virtualbox-no-share', type: 'bool', envVar: 'VIRTUALBOX_NO_SHARE', description: 'share no folder into the VM'},
	{
		name: 'virtualbox-no-dns-proxy',
		type: 'bool',
		envVar: 'VIRTUALBOX_NO_DNS_PROXY',
		description: "do not proxy the VM's DNS requests through the host",
		advanced: true,
	},
	{
		name: 'virtualbox-no-vtx-check',
		type: 'bool',
		envVar: 'VIRTUALBOX_NO_VTX_CHECK',
		description: 'skip the hardware virtualization check (VirtualBox itself says when VT-x/AMD-V is missing)',
		advanced: true,
	},
	{
		name: 'virtualbox-share-folder',
		type: 'string',
		envVar: 'VIRTUALBOX_SHARE_FOLDER',
		description: 'folder shared into the VM at the same path, HOSTDIR[:SHARENAME] (default: /home as hosthome; /Users on macOS)',
		format: 'file',
	},
];

const definition: DriverDefinition = {
	name: 'virtualbox',
	description: 'A VM in VirtualBox: a Debian cloud image with Docker on a host-only network; also runs the machines docker-machine made.',
	options,
	fromOptions(base, values) {
		const image = stringOption(values, 'virtualbox-boot-image');
		const checksum = stringOption(values, 'virtualbox-boot-image-checksum') || (image === defaultRawImage.url ? defaultRawImage.checksum : '');
		const noShare = boolOption(values, 'virtualbox-no-share');
		const share = stringOption(values, 'virtualbox-share-folder');
		if (noShare && share) throw new MachinistError('--virtualbox-share-folder and --virtualbox-no-share contradict each other: give one');
		return new VirtualBoxDriver({
			...base,
			SSHUser: guestUser,
			SSHPort: 0,
			VBoxManager: {},
			HostInterfaces: {},
			CPU: intOption(values, 'virtualbox-cpu-count'),
			Memory: intOption(values, 'virtualbox-memory'),
			DiskSize: intOption(values, 'virtualbox-disk-size'),
			NatNicType: stringOption(values, 'virtualbox-nat-nictype'),
			Boot2DockerURL: stringOption(values, 'virtualbox-boot2docker-url'),
			Boot2DockerImportVM: stringOption(values, 'virtualbox-import-boot2docker-vm'),
			HostDNSResolver: boolOption(values, 'virtualbox-host-dns-resolver'),
			HostOnlyCIDR: stringOption(values, 'virtualbox-hostonly-cidr'),
			HostOnlyNicType: stringOption(values, 'virtualbox-hostonly-nictype'),
			HostOnlyPromiscMode: stringOption(values, 'virtualbox-hostonly-nicpromisc'),
			UIType: stringOption(values, 'virtualbox-ui-type'),
			HostOnlyNoDHCP: boolOption(values, 'virtualbox-hostonly-no-dhcp'),
			NoShare: noShare,
			DNSProxy: !boolOption(values, 'virtualbox-no-dns-proxy'),
			NoVTXCheck: boolOption(values, 'virtualbox-no-vtx-check'),
			ShareFolder: share ? ((parts: {host: string; name: string}) => `${path.resolve(parts.host)}:${parts.name}`)(splitShareFolder(share)) : '',
			BootImage: /^https?:\/\//i.test(image) ? image : path.resolve(image),
			BootImageChecksum: checksum,
		});
	},
	fromConfig(config) {
		return new VirtualBoxDriver({
			...config,
			VBoxManager: {},
			HostInterfaces: {},
			CPU: numberField(config, 'CPU', 1),
			Memory: numberField(config, 'Memory', 1024),
			DiskSize: numberField(config, 'DiskSize', 20_000),
			NatNicType: stringField(config, 'NatNicType', '82540EM'),
			Boot2DockerURL: stringField(config, 'Boot2DockerURL'),
			Boot2DockerImportVM: stringField(config, 'Boot2DockerImportVM'),
			HostDNSResolver: boolField(config, 'HostDNSResolver'),
			HostOnlyCIDR: stringField(config, 'HostOnlyCIDR', '192.168.99.1/24'),
			HostOnlyNicType: stringField(config, 'HostOnlyNicType', '82540EM'),
			HostOnlyPromiscMode: stringField(config, 'HostOnlyPromiscMode', 'deny'),
			UIType: stringField(config, 'UIType', 'headless'),
			HostOnlyNoDHCP: boolField(config, 'HostOnlyNoDHCP'),
			NoShare: boolField(config, 'NoShare'),
			DNSProxy: config.DNSProxy !== false,
			NoVTXCheck: boolField(config, 'NoVTXCheck'),
			ShareFolder: stringField(config, 'ShareFolder'),
			BootImage: stringField(config, 'BootImage', defaultRawImage.url),
			BootImageChecksum: stringField(config, 'BootImageChecksum'),
		});
	},
};

export default definition;
