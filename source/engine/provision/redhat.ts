// RHEL, CentOS, Rocky, Alma, Amazon Linux: yum/dnf.
import {shellCommand, shellQuote} from '../ssh/quote.js';
import type {Provisioner} from './provisioner.js';

/** RHEL and its rebuilds (CentOS, Rocky, Alma, Oracle Linux) and Amazon Linux: dnf, else yum. */
const redhat: Provisioner = {
	name: 'redhat',
	ids: ['rhel', 'centos', 'rocky', 'almalinux', 'ol', 'amzn', 'scientific', 'eurolinux'],
	likes: ['rhel', 'centos'],
	// No full OS update first: docker-machine ran `yum -y update`, surprising users (#4284).
	installPackages: packages =>
		`if command -v dnf >/dev/null 2>&1; then dnf install -y ${shellCommand(packages)}; else yum install -y ${shellCommand(packages)}; fi`,
	upgradePackageOf: binary =>
		`pkg=$(rpm -qf --qf '%{NAME}' ${shellQuote(binary)}) && if command -v dnf >/dev/null 2>&1; then dnf upgrade -y "$pkg"; else yum upgrade -y "$pkg"; fi`,
	dockerPackage: 'docker',
};

export default redhat;
