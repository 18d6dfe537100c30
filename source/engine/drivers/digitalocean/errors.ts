// DigitalOcean API errors turned into one line that says what to change.
import {MachinistError} from '../../errors.js';
import {DigitalOceanApiError} from './api.js';

/** The flag to change for what a 422 message names ("You specified an invalid size …"). */
const flagsByWord: ReadonlyArray<[string, string]> = [
	['size', '--digitalocean-size'],
	['image', '--digitalocean-image'],
	['region', '--digitalocean-region'],
	['tag', '--digitalocean-tags'],
	['user data', '--digitalocean-userdata'],
	['key', '--digitalocean-ssh-key-fingerprint'],
];

/** The API's 422 for a droplet request, turned into what to change. */
export function refusedDroplet(error: unknown): unknown {
	if (!(error instanceof DigitalOceanApiError) || error.status !== 422) return error;
	const message = error.apiMessage.toLowerCase();
	const flag = flagsByWord.find(([word]) => message.includes(word))?.[1];
	return new MachinistError(`DigitalOcean refused to create the droplet: ${error.apiMessage}${flag ? ` (check ${flag})` : ''}`);
}
