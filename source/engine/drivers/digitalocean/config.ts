// The digitalocean driver's stored config and its defaults.
import type {BaseDriverConfig} from '../../store/host.js';

/** docker-machine's field names, so either tool reads the other's machines. `APIURL` is ours. */
export type DigitalOceanConfig = BaseDriverConfig & {
	AccessToken: string;
	DropletID: number;
	DropletName: string;
	Image: string;
	Region: string;
	/** The key the droplet trusts: made by us when SSHKeyFingerprint is empty, else the user's. */
	SSHKeyID: number;
	SSHKeyFingerprint: string;
	/** The user's private key (--digitalocean-ssh-key-path), copied into the machine directory. */
	SSHKey: string;
	Size: string;
	IPv6: boolean;
	Backups: boolean;
	PrivateNetworking: boolean;
	UserDataFile: string;
	Monitoring: boolean;
	/** Comma-separated, as given. */
	Tags: string;
	APIURL: string;
};

export const defaults = {image: 'ubuntu-24-04-x64', region: 'nyc3', size: 's-1vcpu-1gb'};

/** DigitalOcean's limit for user data. */
export const maxUserDataBytes = 64 * 1024;
