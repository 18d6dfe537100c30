// The digitalocean driver's options as data (docker-machine's flags and variables).
import {type OptionSpec} from '../../options.js';
import {portProblem} from '../fields.js';
import {defaultApiUrl} from './api.js';
import {defaults} from './config.js';

/** `--digitalocean-tags`: comma-separated, blanks dropped. */
export function tagList(tags: string): string[] {
	return tags
		.split(',')
		.map(tag => tag.trim())
		.filter(tag => tag !== '');
}

const tagPattern = /^[\w:-]{1,255}$/;

export const options: readonly OptionSpec[] = [
	{
		name: 'digitalocean-access-token',
		type: 'string',
		envVar: 'DIGITALOCEAN_ACCESS_TOKEN',
		description: 'Digital Ocean access token (a personal access token with read and write scope)',
		required: 'digitalocean driver requires the --digitalocean-access-token option',
		// Never echo the value: it is a secret.
		validate: value => (/^\S+$/.test(String(value)) ? undefined : '--digitalocean-access-token contains spaces or line breaks: give the token alone'),
	},
	{
		name: 'digitalocean-image',
		type: 'string',
		envVar: 'DIGITALOCEAN_IMAGE',
		default: defaults.image,
		description: 'Digital Ocean Image: a slug, or the ID of a snapshot',
	},
	{name: 'digitalocean-region', type: 'string', envVar: 'DIGITALOCEAN_REGION', default: defaults.region, description: 'Digital Ocean region'},
	{name: 'digitalocean-size', type: 'string', envVar: 'DIGITALOCEAN_SIZE', default: defaults.size, description: 'Digital Ocean size'},
	{name: 'digitalocean-ipv6', type: 'bool', envVar: 'DIGITALOCEAN_IPV6', description: 'enable ipv6 for droplet', advanced: true},
	{
		name: 'digitalocean-private-networking',
		type: 'bool',
		envVar: 'DIGITALOCEAN_PRIVATE_NETWORKING',
		description: 'enable private networking for droplet',
		advanced: true,
	},
	{name: 'digitalocean-backups', type: 'bool', envVar: 'DIGITALOCEAN_BACKUPS', description: 'enable backups for droplet (billed extra)', advanced: true},
	{name: 'digitalocean-monitoring', type: 'bool', envVar: 'DIGITALOCEAN_MONITORING', description: 'enable monitoring for droplet', advanced: true},
	{
		name: 'digitalocean-userdata',
		type: 'string',
		envVar: 'DIGITALOCEAN_USERDATA',
		description: 'path to file with cloud-init user-data',
		format: 'file',
		advanced: true,
	},
	{
		name: 'digitalocean-tags',
		type: 'string',
		envVar: 'DIGITALOCEAN_TAGS',
		description: 'comma-separated list of tags to apply to the Droplet',
		advanced: true,
		validate(value) {
			const bad = tagList(String(value)).find(tag => !tagPattern.test(tag));
			return bad === undefined ? undefined : `--digitalocean-tags: "${bad}" is not a valid tag; tags are letters, digits, colons, dashes and underscores`;
		},
	},
	{name: 'digitalocean-ssh-user', type: 'string', envVar: 'DIGITALOCEAN_SSH_USER', default: 'root', description: 'SSH username', advanced: true},
	{
		name: 'digitalocean-ssh-port',
		type: 'int',
		envVar: 'DIGITALOCEAN_SSH_PORT',
		default: 22,
		description: 'SSH port',
		format: 'port',
		advanced: true,
		validate: value => portProblem('digitalocean-ssh-port', value),
	},
	{
		name: 'digitalocean-ssh-key-fingerprint',
		type: 'string',
		envVar: 'DIGITALOCEAN_SSH_KEY_FINGERPRINT',
		description: 'SSH key fingerprint (or ID) of a key in your account, used instead of a new key',
		advanced: true,
		validate: value =>
			String(value).startsWith('SHA256:')
				? '--digitalocean-ssh-key-fingerprint takes the MD5 fingerprint DigitalOcean shows (aa:bb:…); ssh-keygen -l -E md5 -f KEY prints it'
				: undefined,
	},
	{
		name: 'digitalocean-ssh-key-path',
		type: 'string',
		envVar: 'DIGITALOCEAN_SSH_KEY_PATH',
		description: 'SSH private key path (of the key named by --digitalocean-ssh-key-fingerprint)',
		format: 'file',
		advanced: true,
	},
	{
		name: 'digitalocean-api-url',
		type: 'string',
		envVar: 'DIGITALOCEAN_API_URL',
		default: defaultApiUrl,
		description: 'DigitalOcean API endpoint (for a proxy or a test double)',
		format: 'url',
		advanced: true,
		validate(value) {
			try {
				const url = new URL(String(value));
				if (url.protocol === 'https:' || url.protocol === 'http:') return undefined;
			} catch {
				// Reported below.
			}

			return `--digitalocean-api-url "${String(value)}" is not an http(s) URL`;
		},
	},
];
