// The digitalocean driver: droplets through DigitalOcean's API v2. Its parts: config (fields and
// defaults), options, errors (the API's refusals explained), api (the API v2 calls, rate limits
// and retries), driver (create, power, remove).
import {boolOption, stringOption} from '../../options.js';
import type {DriverDefinition} from '../driver.js';
import {boolField, numberField, pathOption, sshLoginOptions, stringField} from '../fields.js';
import {defaultApiUrl} from './api.js';
import {defaults} from './config.js';
import {DigitalOceanDriver} from './driver.js';
import {options} from './options.js';

const definition: DriverDefinition = {
	name: 'digitalocean',
	description: 'A droplet on DigitalOcean, made through its API with your access token; rm destroys it.',
	options,
	fromOptions(base, values) {
		return new DigitalOceanDriver({
			...base,
			...sshLoginOptions(values, 'digitalocean'),
			AccessToken: stringOption(values, 'digitalocean-access-token'),
			DropletID: 0,
			DropletName: '',
			Image: stringOption(values, 'digitalocean-image'),
			Region: stringOption(values, 'digitalocean-region'),
			SSHKeyID: 0,
			SSHKeyFingerprint: stringOption(values, 'digitalocean-ssh-key-fingerprint'),
			SSHKey: pathOption(values, 'digitalocean-ssh-key-path'),
			Size: stringOption(values, 'digitalocean-size'),
			IPv6: boolOption(values, 'digitalocean-ipv6'),
			Backups: boolOption(values, 'digitalocean-backups'),
			PrivateNetworking: boolOption(values, 'digitalocean-private-networking'),
			UserDataFile: pathOption(values, 'digitalocean-userdata'),
			Monitoring: boolOption(values, 'digitalocean-monitoring'),
			Tags: stringOption(values, 'digitalocean-tags'),
			APIURL: stringOption(values, 'digitalocean-api-url'),
		});
	},
	fromConfig(config) {
		return new DigitalOceanDriver({
			...config,
			AccessToken: stringField(config, 'AccessToken'),
			DropletID: numberField(config, 'DropletID'),
			DropletName: stringField(config, 'DropletName'),
			Image: stringField(config, 'Image', defaults.image),
			Region: stringField(config, 'Region', defaults.region),
			SSHKeyID: numberField(config, 'SSHKeyID'),
			SSHKeyFingerprint: stringField(config, 'SSHKeyFingerprint'),
			SSHKey: stringField(config, 'SSHKey'),
			Size: stringField(config, 'Size', defaults.size),
			IPv6: boolField(config, 'IPv6'),
			Backups: boolField(config, 'Backups'),
			PrivateNetworking: boolField(config, 'PrivateNetworking'),
			UserDataFile: stringField(config, 'UserDataFile'),
			Monitoring: boolField(config, 'Monitoring'),
			Tags: stringField(config, 'Tags'),
			// Machines docker-machine made have no such field: they live on the real API.
			APIURL: stringField(config, 'APIURL', defaultApiUrl),
		});
	},
};

export default definition;
