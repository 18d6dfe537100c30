import test from 'ava';
import {parseOsRelease} from '../../../source/engine/provision/os-release.js';
import {detectProvisioner} from '../../../source/engine/provision/provisioner.js';

const releases: Record<string, [string, string]> = {
	'Debian 12': ['ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'debian'],
	'Ubuntu 24.04': ['ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"', 'debian'],
	'Linux Mint': ['ID=linuxmint\nID_LIKE="ubuntu debian"', 'debian'],
	'Pop!_OS': ['ID=pop\nID_LIKE="ubuntu debian"', 'debian'],
	'Some Debian derivative': ['ID=mydistro\nID_LIKE=debian', 'debian'],
	'Rocky Linux': ['ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"', 'redhat'],
	AlmaLinux: ['ID="almalinux"\nID_LIKE="rhel centos fedora"', 'redhat'],
	'Amazon Linux 2023': ['ID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"', 'redhat'],
	'CentOS Stream': ['ID="centos"\nID_LIKE="rhel fedora"', 'redhat'],
	Fedora: ['ID=fedora\nVERSION_ID=40', 'fedora'],
	Arch: ['ID=arch', 'arch'],
	EndeavourOS: ['ID=endeavouros\nID_LIKE=arch', 'arch'],
	'openSUSE Leap': ['ID="opensuse-leap"\nID_LIKE="suse opensuse"', 'SUSE'],
	SLES: ['ID="sles"\nID_LIKE="suse"', 'SUSE'],
	Alpine: ['ID=alpine\nVERSION_ID=3.20.0', 'alpine'],
};

for (const [distribution, [text, expected]] of Object.entries(releases)) {
	test(`${distribution} is provisioned as ${expected}`, async t => {
		t.is((await detectProvisioner(parseOsRelease(text))).name, expected);
	});
}

test('an unknown OS is a one-line error naming what it saw and what is supported', async t => {
	const error = await t.throwsAsync(detectProvisioner(parseOsRelease('ID=haiku\nID_LIKE=beos')));
	t.regex(error.message, /^Error detecting OS: OS type not recognized \(ID=haiku, ID_LIKE=beos\); supported: /);
});

test('a boot2docker guest is recognised, and asking it to install packages says why it cannot', async t => {
	const provisioner = await detectProvisioner(parseOsRelease('NAME=Boot2Docker\nVERSION=18.09.0\nID=boot2docker\nID_LIKE=tcl\nVERSION_ID=18.09.0\n'));
	t.is(provisioner.name, 'boot2docker');
	t.regex(provisioner.installPackages(['curl']), /boot2docker has no package manager.*recreate the machine with -d virtualbox/);
});
