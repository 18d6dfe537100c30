// The Provisioner interface (a distribution family) and its detection from os-release.
import {MachinistError} from '../errors.js';
import type {OsRelease} from './os-release.js';

/**
 * A distribution family: how to recognise it and how to install packages there. Everything
 * else (certificates, daemon options, init system) is shared by all families.
 */
export type Provisioner = {
	/** The name printed as "Provisioning with NAME...". */
	name: string;
	/** os-release IDs this family is, checked before any ID_LIKE match. */
	ids: readonly string[];
	/** ID_LIKE words that mean a derivative of this family (Mint is `ubuntu debian`, Rocky is `rhel centos fedora`). */
	likes: readonly string[];
	/** A shell script installing the packages, as root, without prompts. */
	installPackages(packages: readonly string[]): string;
	/** A script upgrading the package that installed `binary` (dockerd), whichever it is. */
	upgradePackageOf(binary: string): string;
	/** The distribution's own Docker Engine package, for `--engine-install-url distro`. */
	dockerPackage: string;
};

/** The families, in match order; adding one is a file plus a line here. */
export async function provisioners(): Promise<Provisioner[]> {
	const modules = await Promise.all([
		import('./debian.js'),
		import('./redhat.js'),
		import('./fedora.js'),
		import('./arch.js'),
		import('./suse.js'),
		import('./alpine.js'),
		import('./boot2docker.js'),
	]);
	return modules.map(module => module.default);
}

/**
 * The provisioner for a host: the family whose ID matches, else the first whose ID_LIKE words
 * do. docker-machine ignored ID_LIKE (so Mint, Rocky, Alma, Amazon Linux were "not recognized")
 * and tried families in random order.
 */
export async function detectProvisioner(os: OsRelease): Promise<Provisioner> {
	const families = await provisioners();
	const byId = families.find(family => family.ids.includes(os.id));
	if (byId) return byId;
	const byLike = families.find(family => family.likes.some(like => os.idLike.includes(like)));
	if (byLike) return byLike;
	throw new MachinistError(
		`Error detecting OS: OS type not recognized (ID=${os.id || 'none'}${os.idLike.length > 0 ? `, ID_LIKE=${os.idLike.join(' ')}` : ''}); supported: Debian, Ubuntu, RHEL, CentOS, Rocky, Alma, Fedora, Amazon Linux, Arch, openSUSE/SLES, Alpine, boot2docker and their derivatives`,
	);
}
