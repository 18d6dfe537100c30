import test from 'ava';
import {parseOsRelease} from '../../../source/engine/provision/os-release.js';
import {detectProvisioner} from '../../../source/engine/provision/provisioner.js';
import {daemonArgs} from '../../../source/engine/provision/daemon.js';
import {dropInContent, systemdArgument} from '../../../source/engine/provision/init/systemd.js';
import {startScriptContent} from '../../../source/engine/provision/init/direct.js';
import {defaultEngineOptions} from '../../../source/engine/store/host.js';

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

test('os-release values keep = signs, and single and double quotes are both understood', t => {
	const os = parseOsRelease('ID=\'debian\'\nPRETTY_NAME="A \\"quoted\\" name"\nHOME_URL="https://x.example/?a=b"\n# comment\nBROKEN LINE\n');
	t.is(os.id, 'debian');
	t.is(os.prettyName, 'A "quoted" name');
	t.is(os.raw.HOME_URL, 'https://x.example/?a=b');
});

test("daemon arguments follow docker-machine's order and add no storage driver unless asked", t => {
	const options = {
		...defaultEngineOptions(),
		Labels: ['team=qa'],
		InsecureRegistry: ['r:5000'],
		RegistryMirror: ['https://m'],
		ArbitraryFlags: ['debug', 'log-level=warn'],
	};
	t.deepEqual(daemonArgs(options, 'generic', 2376, 'fd://'), [
		'-H',
		'tcp://0.0.0.0:2376',
		'-H',
		'fd://',
		'--tlsverify',
		'--tlscacert',
		'/etc/docker/ca.pem',
		'--tlscert',
		'/etc/docker/server.pem',
		'--tlskey',
		'/etc/docker/server-key.pem',
		'--label',
		'team=qa',
		'--label',
		'provider=generic',
		'--insecure-registry',
		'r:5000',
		'--registry-mirror',
		'https://m',
		'--debug',
		'--log-level=warn',
	]);
	t.deepEqual(daemonArgs({...options, StorageDriver: 'overlay2'}, 'generic', 2376, 'fd://').slice(4, 6), ['--storage-driver', 'overlay2']);
});

test('hostile engine values cannot break out of the systemd drop-in', t => {
	t.is(systemdArgument('--label=a b'), '"--label=a b"');
	t.is(systemdArgument('100%'), '100%%');
	t.is(systemdArgument('$HOME'), '"$$HOME"');
	t.is(systemdArgument(String.raw`a"b\c`), String.raw`"a\"b\\c"`);
	const content = dropInContent({dockerd: '/usr/sbin/dockerd', args: ['--label', 'x=1\nExecStartPre=/bin/rm -rf /'], env: ['FOO=bar baz']});
	const lines = content.split('\n');
	t.is(lines.filter(line => line.startsWith('ExecStartPre')).length, 0, 'a newline in a value does not start a directive');
	t.true(lines.includes('Environment="FOO=bar baz"'));
	t.true(lines.includes('ExecStart='));
});

test('the no-init start script quotes every argument for the shell', t => {
	const script = startScriptContent({dockerd: '/usr/sbin/dockerd', args: ['--label', 'a=$(reboot)'], env: ['X=`id`']});
	t.true(script.includes("'a=$(reboot)'"));
	t.true(script.includes("export 'X=`id`'"));
	t.regex(script, /^exec '\/usr\/sbin\/dockerd' '--pidfile'|^exec \/usr\/sbin\/dockerd --pidfile/m);
});
