// Alpine: apk.
import {shellCommand, shellQuote} from '../ssh/quote.js';
import type {Provisioner} from './provisioner.js';

/** Alpine Linux: apk (and OpenRC, found by init detection). */
const alpine: Provisioner = {
	name: 'alpine',
	ids: ['alpine', 'postmarketos'],
	likes: ['alpine'],
	installPackages: packages => `apk add --no-cache ${shellCommand(packages)}`,
	upgradePackageOf: binary => `apk upgrade --no-cache $(apk info --who-owns ${shellQuote(binary)} | sed 's/.* owned by //; s/-[0-9].*//')`,
	dockerPackage: 'docker',
};

export default alpine;
