// Arch Linux: pacman.
import {shellCommand, shellQuote} from '../ssh/quote.js';
import type {Provisioner} from './provisioner.js';

/** Arch Linux and derivatives (Manjaro, EndeavourOS): pacman. */
const arch: Provisioner = {
	name: 'arch',
	ids: ['arch', 'manjaro', 'endeavouros'],
	likes: ['arch'],
	installPackages: packages => `pacman -Sy --noconfirm --noprogressbar --needed ${shellCommand(packages)}`,
	upgradePackageOf: binary => `pacman -Sy --noconfirm --noprogressbar $(pacman -Qoq ${shellQuote(binary)})`,
	dockerPackage: 'docker',
};

export default arch;
