import {shellCommand} from '../ssh/quote.js';
import type {Provisioner} from './provisioner.js';

/** Alpine Linux: apk (and OpenRC, found by init detection). */
const alpine: Provisioner = {
	name: 'alpine',
	ids: ['alpine', 'postmarketos'],
	likes: ['alpine'],
	installPackages: packages => `apk add --no-cache ${shellCommand(packages)}`,
	dockerPackage: 'docker',
};

export default alpine;
