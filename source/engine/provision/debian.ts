// Debian, Ubuntu and derivatives: apt.
import {shellCommand, shellQuote} from '../ssh/quote.js';
import type {Provisioner} from './provisioner.js';

/** Debian, Ubuntu and their derivatives (Mint, Pop!_OS, Raspbian, …): apt. */
const debian: Provisioner = {
	name: 'debian',
	ids: ['debian', 'ubuntu', 'raspbian', 'linuxmint', 'pop', 'elementary', 'zorin', 'kali'],
	likes: ['debian', 'ubuntu'],
	// apt may be busy (unattended-upgrades on a fresh cloud host): wait for its lock, not fail.
	installPackages: packages =>
		`export DEBIAN_FRONTEND=noninteractive; apt-get -o DPkg::Lock::Timeout=180 update -q && apt-get -o DPkg::Lock::Timeout=180 install -y -q ${shellCommand(packages)}`,
	upgradePackageOf: binary =>
		`export DEBIAN_FRONTEND=noninteractive; pkg=$(dpkg -S "$(readlink -f ${shellQuote(binary)})" | cut -d: -f1) && apt-get -o DPkg::Lock::Timeout=180 update -q && apt-get -o DPkg::Lock::Timeout=180 install -y -q --only-upgrade "$pkg"`,
	dockerPackage: 'docker.io',
};

export default debian;
