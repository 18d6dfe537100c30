// A droplet, made and removed through DigitalOcean's API v2.
import {createHash} from 'node:crypto';
import {chmod, copyFile, readFile} from 'node:fs/promises';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import type {MachineState} from '../../state.js';
import {seconds} from '../../polling.js';
import type {DriverContext} from '../../driver-context.js';
import type {Driver} from '../driver.js';
import {checkUserDataFile, IpSshDriver} from '../ip-ssh.js';
import {DigitalOceanApi, DigitalOceanApiError, isNotFound, type Droplet, type DropletRequest, type Region} from './api.js';
import {defaults, maxUserDataBytes, type DigitalOceanConfig} from './config.js';
import {refusedDroplet} from './errors.js';
import {tagList} from './options.js';

/** Power actions (shutdown in particular) finish within a minute or two, or not at all. */
const actionTimeoutMs = 300_000;

function publicIpv4(droplet: Droplet): string {
	return droplet.networks.v4.find(network => network.type === 'public')?.ip_address ?? '';
}

/** The MD5 fingerprint DigitalOcean shows for a key (`aa:bb:…`), from its wire-format blob. */
function md5Fingerprint(blob: Buffer): string {
	return createHash('md5')
		.update(blob)
		.digest('hex')
		.replaceAll(/(..)(?!$)/g, '$1:');
}

const md5FingerprintPattern = /^([\da-f]{2}:){15}[\da-f]{2}$/i;

function listSome(items: readonly string[], max = 15): string {
	return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Droplets on DigitalOcean, made and removed through its API v2. */
export class DigitalOceanDriver extends IpSshDriver<DigitalOceanConfig> implements Driver {
	readonly driverName = 'digitalocean';

	private api(): DigitalOceanApi {
		return new DigitalOceanApi({token: this.config.AccessToken, baseUrl: this.config.APIURL});
	}

	/**
	 * Everything that can be checked before anything is made (and billed): the token, the
	 * region, the size in that region, the image, and the local files.
	 */
	async preCreateCheck(context: DriverContext): Promise<void> {
		const {signal} = context;
		if (this.config.UserDataFile) {
			await checkUserDataFile(this.config.UserDataFile, {
				flag: 'digitalocean-userdata',
				cloud: 'DigitalOcean',
				maxBytes: maxUserDataBytes,
				advice: 'shorten it, or fetch the rest from the script',
			});
		}

		if (this.config.SSHKey) {
			if (!this.config.SSHKeyFingerprint) {
				throw new MachinistError(
					'--digitalocean-ssh-key-path needs --digitalocean-ssh-key-fingerprint: the fingerprint of that key as added to your DigitalOcean account',
				);
			}

			await this.checkKeyMatchesFingerprint();
		}

		const api = this.api();
		// The account first: a bad token fails every call, and this says so once.
		const account = await api.account(signal);
		if (account.status === 'locked') {
			throw new MachinistError(
				`your DigitalOcean account is locked${account.status_message ? ` (${account.status_message})` : ''}: resolve it in the DigitalOcean control panel`,
			);
		}

		const [regions, image] = await Promise.all([
			api.regions(signal),
			api.image(this.imageReference(), signal).catch((error: unknown) => {
				if (isNotFound(error)) {
					throw new MachinistError(
						`image "${this.config.Image}" does not exist: check --digitalocean-image (a slug such as ${defaults.image}, or the ID of one of your snapshots)`,
					);
				}

				throw error;
			}),
		]);
		const region = this.checkRegion(regions);
		if (image.regions.length > 0 && !image.regions.includes(region.slug)) {
			throw new MachinistError(
				`image "${this.config.Image}" is not available in region ${region.slug}: use one of ${listSome(image.regions)} (--digitalocean-region), or another image`,
			);
		}
	}

	private checkRegion(regions: readonly Region[]): Region {
		const open = regions
			.filter(region => region.available)
			.map(region => region.slug)
			.sort();
		const region = regions.find(candidate => candidate.slug === this.config.Region);
		if (!region) throw new MachinistError(`region "${this.config.Region}" does not exist: use one of ${listSome(open, 50)} (--digitalocean-region)`);
		if (!region.available)
			throw new MachinistError(`region ${region.slug} takes no new droplets at the moment: use one of ${listSome(open, 50)} (--digitalocean-region)`);
		if (!region.sizes.includes(this.config.Size)) {
			throw new MachinistError(
				`size "${this.config.Size}" is not offered in region ${region.slug}: use one of ${listSome(region.sizes)} (--digitalocean-size)`,
			);
		}

		return region;
	}

	/** Catches the wrong key for a fingerprint now, rather than as a refused SSH login later. */
	private async checkKeyMatchesFingerprint(): Promise<void> {
		let data: Buffer;
		try {
			data = await readFile(this.config.SSHKey);
		} catch {
			throw new MachinistError(`SSH key does not exist: "${this.config.SSHKey}"`);
		}

		if (!md5FingerprintPattern.test(this.config.SSHKeyFingerprint)) return;
		const {parsePrivateKey} = await import('../../ssh/keys.js');
		const actual = md5Fingerprint(parsePrivateKey(data, this.config.SSHKey).getPublicSSH());
		if (actual !== this.config.SSHKeyFingerprint.toLowerCase()) {
			throw new MachinistError(
				`the SSH key ${this.config.SSHKey} has fingerprint ${actual}, not ${this.config.SSHKeyFingerprint}: give the key that matches --digitalocean-ssh-key-fingerprint`,
			);
		}
	}

	private imageReference(): string | number {
		return /^\d+$/.test(this.config.Image) ? Number(this.config.Image) : this.config.Image;
	}

	async create(context: DriverContext): Promise<void> {
		const {signal} = context;
		const api = this.api();
		const userData = this.config.UserDataFile ? await readFile(this.config.UserDataFile, 'utf8') : undefined;
		this.config.SSHKeyID = await this.prepareKey(api, context);

		this.log(context, 'Creating Digital Ocean droplet...');
		const request: DropletRequest = {
			name: this.config.MachineName,
			region: this.config.Region,
			size: this.config.Size,
			image: this.imageReference(),
			ssh_keys: [this.config.SSHKeyID],
			backups: this.config.Backups,
			ipv6: this.config.IPv6,
			private_networking: this.config.PrivateNetworking,
			monitoring: this.config.Monitoring,
			...(userData === undefined ? {} : {user_data: userData}),
			tags: tagList(this.config.Tags),
		};
		let droplet: Droplet;
		try {
			droplet = await api.createDroplet(request, signal);
		} catch (error) {
			throw refusedDroplet(error);
		}

		this.config.DropletID = droplet.id;
		this.config.DropletName = droplet.name;
		this.log(context, 'Waiting for IP address to be assigned to the Droplet...');
		await this.waitUntilActive(api, context);
	}

	/** The key the droplet will trust: the user's from the account, or a new one made here. */
	private async prepareKey(api: DigitalOceanApi, context: DriverContext): Promise<number> {
		const {signal} = context;
		if (this.config.SSHKeyFingerprint) {
			const key = await api.key(this.config.SSHKeyFingerprint, signal).catch((error: unknown) => {
				if (isNotFound(error)) {
					throw new MachinistError(
						`Digital Ocean SSH key with fingerprint ${this.config.SSHKeyFingerprint} doesn't exist: add the key to your account, or check --digitalocean-ssh-key-fingerprint`,
					);
				}

				throw error;
			});
			if (this.config.SSHKey) {
				const target = path.join(context.machineDir, path.basename(this.config.SSHKey));
				await copyFile(this.config.SSHKey, target);
				await chmod(target, 0o600);
				this.config.SSHKeyPath = target;
			} else {
				this.log(context, 'No SSH key path given: assuming the private key is in your agent or ~/.ssh/id_rsa.');
			}

			return key.id;
		}

		this.log(context, 'Creating SSH key...');
		const {createMachineKey} = await import('../../ssh/keys.js');
		const pair = await createMachineKey(context.machineDir, this.config.MachineName);
		this.config.SSHKeyPath = pair.privateKeyPath;
		// Named after the tool too, so the key's owner is clear in the account's key list.
		const key = await api.createKey(`machinist-${this.config.MachineName}`, pair.publicKey, signal);
		return key.id;
	}

	private async waitUntilActive(api: DigitalOceanApi, context: DriverContext): Promise<void> {
		const id = this.config.DropletID;
		const timeoutMs = this.readyTimeoutMs(context);
		let droplet: Droplet | undefined;
		const ip = await this.poll(
			context,
			async () => {
				droplet = await api.droplet(id, context.signal);
				const address = publicIpv4(droplet);
				return droplet.status === 'active' && address ? address : undefined;
			},
			{
				timeoutMs,
				timedOut: () =>
					new MachinistError(
						`droplet ${id} did not become active within ${seconds(timeoutMs)} (status ${droplet?.status}${droplet && publicIpv4(droplet) ? '' : ', no public IPv4 address'}): look at it in the DigitalOcean control panel, or try another --digitalocean-region`,
					),
				stillWaiting: waited => {
					this.log(context, `Droplet ${id} is still ${droplet?.status} after ${seconds(waited)}...`);
				},
			},
		);
		this.config.IPAddress = ip;
		this.log(context, `Droplet ${id} is active at ${ip}`);
	}

	async remove(context: DriverContext): Promise<void> {
		const api = this.api();
		if (this.config.DropletID) {
			await api.deleteDroplet(this.config.DropletID, context.signal).catch((error: unknown) => {
				if (!isNotFound(error)) throw error;
				this.log(context, `Digital Ocean droplet ${this.config.DropletID} doesn't exist, assuming it is already deleted`);
			});
		}

		// A key given by fingerprint is the user's, perhaps trusted by other droplets: it stays.
		if (this.config.SSHKeyID && !this.config.SSHKeyFingerprint) {
			await api.deleteKey(this.config.SSHKeyID, context.signal).catch((error: unknown) => {
				if (!isNotFound(error)) throw error;
				this.log(context, `Digital Ocean SSH key ${this.config.SSHKeyID} doesn't exist, assuming it is already deleted`);
			});
		}
	}

	async start(context: DriverContext): Promise<void> {
		await this.powerAction('power_on', 'power on', context);
		// DigitalOcean keeps a droplet's address across power cycles; still, trust what it says.
		const ip = publicIpv4(await this.api().droplet(this.dropletId(), context.signal));
		if (ip) this.config.IPAddress = ip;
	}

	async stop(context: DriverContext): Promise<void> {
		await this.powerAction('shutdown', 'shut down', context);
	}

	async restart(context: DriverContext): Promise<void> {
		await this.powerAction('reboot', 'reboot', context);
	}

	async kill(context: DriverContext): Promise<void> {
		await this.powerAction('power_off', 'power off', context);
	}

	private dropletId(): number {
		if (!this.config.DropletID) {
			throw new MachinistError(`machine ${this.config.MachineName} has no droplet (its create failed before one was made): remove it with rm`);
		}

		return this.config.DropletID;
	}

	/** Starts a droplet action and waits for DigitalOcean to finish it. */
	private async powerAction(type: 'power_on' | 'shutdown' | 'reboot' | 'power_off', verb: string, context: DriverContext): Promise<void> {
		const id = this.dropletId();
		const api = this.api();
		let action;
		try {
			action = await api.dropletAction(id, type, context.signal);
		} catch (error) {
			if (error instanceof DigitalOceanApiError && error.status === 422) {
				throw new MachinistError(`DigitalOcean refused to ${verb} droplet ${id}: ${error.apiMessage}`);
			}

			throw this.gone(error);
		}

		let current = action;
		let first = true;
		action = await this.poll(
			context,
			async () => {
				if (!first) current = await api.action(current.id, context.signal);
				first = false;
				return current.status === 'in-progress' ? undefined : current;
			},
			{
				timeoutMs: actionTimeoutMs,
				timedOut: () =>
					new MachinistError(
						`DigitalOcean did not ${verb} droplet ${id} within ${seconds(actionTimeoutMs)} (action ${current.id} still in progress): look at it in the DigitalOcean control panel`,
					),
				stillWaiting: waited => {
					this.log(context, `Still waiting for DigitalOcean to ${verb} droplet ${id} (${seconds(waited)})...`);
				},
			},
		);

		if (action.status !== 'completed') {
			const advice =
				type === 'shutdown' ? 'the system did not shut down when asked: use kill to power it off' : 'try again, or use the DigitalOcean control panel';
			throw new MachinistError(`DigitalOcean could not ${verb} droplet ${id} (action ${action.id} ${action.status}): ${advice}`);
		}
	}

	private gone(error: unknown): unknown {
		if (!isNotFound(error)) return error;
		return new MachinistError(
			`droplet ${this.config.DropletID} no longer exists on DigitalOcean (destroyed outside machinist?): remove the machine with rm`,
		);
	}

	async getState(context: DriverContext): Promise<MachineState> {
		let droplet: Droplet;
		try {
			droplet = await this.api().droplet(this.dropletId(), context.signal);
		} catch (error) {
			throw this.gone(error);
		}

		switch (droplet.status) {
			case 'new': {
				return 'Starting';
			}

			case 'active': {
				return 'Running';
			}

			case 'off': {
				return 'Stopped';
			}

			case 'archive': {
				throw new MachinistError(`droplet ${droplet.id} is archived by DigitalOcean and cannot be started: remove the machine with rm`);
			}

			default: {
				return 'None';
			}
		}
	}
}
