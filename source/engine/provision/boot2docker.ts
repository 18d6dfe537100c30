// boot2docker, the guest of docker-machine's virtualbox machines: no package manager.
import type {Provisioner} from './provisioner.js';

const noPackages =
	'echo "boot2docker has no package manager, and its Docker comes with its ISO: recreate the machine with -d virtualbox (a Debian guest) for another Docker" >&2; exit 1';

/** boot2docker (ID=boot2docker): Docker comes with the ISO; its init script is found by init detection. */
const boot2docker: Provisioner = {
	name: 'boot2docker',
	ids: ['boot2docker'],
	likes: [],
	installPackages: () => noPackages,
	// docker-machine upgraded it by swapping in the latest ISO; boot2docker's last release was in 2020.
	upgradePackageOf: () => noPackages,
	dockerPackage: 'docker',
};

export default boot2docker;
