// openSUSE and SLES: zypper.
import {shellCommand, shellQuote} from '../ssh/quote.js';
import type {Provisioner} from './provisioner.js';

/** openSUSE and SLES: zypper. */
const suse: Provisioner = {
	name: 'SUSE',
	ids: ['opensuse', 'opensuse-leap', 'opensuse-tumbleweed', 'sles', 'sled'],
	likes: ['suse', 'opensuse'],
	installPackages: packages => `zypper -n install ${shellCommand(packages)}`,
	upgradePackageOf: binary => `zypper -n update $(rpm -qf --qf '%{NAME}' ${shellQuote(binary)})`,
	dockerPackage: 'docker',
};

export default suse;
