// Fedora: dnf.
import {shellCommand, shellQuote} from '../ssh/quote.js';
import type {Provisioner} from './provisioner.js';

/** Fedora: dnf, and Docker Engine packaged as moby-engine. */
const fedora: Provisioner = {
	name: 'fedora',
	ids: ['fedora'],
	likes: ['fedora'],
	installPackages: packages => `dnf install -y ${shellCommand(packages)}`,
	upgradePackageOf: binary => `pkg=$(rpm -qf --qf '%{NAME}' ${shellQuote(binary)}) && dnf upgrade -y "$pkg"`,
	dockerPackage: 'moby-engine',
};

export default fedora;
