import test from 'ava';
import {daemonArgs} from '../../../../source/engine/provision/daemon.js';
import {profileContent} from '../../../../source/engine/provision/init/boot2docker.js';

const engineOptions = {
	ArbitraryFlags: ['debug'],
	Dns: null,
	GraphDir: '',
	Env: ['HTTP_PROXY=http://proxy:3128'],
	Ipv6: false,
	InsecureRegistry: ['registry.local:5000'],
	Labels: ['team=a b'],
	LogLevel: '',
	StorageDriver: '',
	SelinuxEnabled: false,
	TlsVerify: true,
	RegistryMirror: [],
	InstallURL: 'https://get.docker.com',
};

test("boot2docker's profile: address and TLS files in its own variables, the rest in EXTRA_ARGS, certificates in /var/lib/boot2docker", t => {
	const args = daemonArgs(engineOptions, 'virtualbox', 2376, 'unix:///var/run/docker.sock');
	const profile = profileContent({dockerd: '/usr/local/bin/dockerd', args, env: engineOptions.Env});
	t.is(
		profile,
		[
			'# Written by machinist; rewritten by "machinist provision".',
			"EXTRA_ARGS='",
			String.raw`--label 'team=a b' --label provider=virtualbox --insecure-registry registry.local:5000 --debug`.replaceAll("'", String.raw`'\''`),
			"'",
			'CACERT=/var/lib/boot2docker/ca.pem',
			"DOCKER_HOST='-H tcp://0.0.0.0:2376'",
			'DOCKER_STORAGE=overlay2',
			'DOCKER_TLS=auto',
			'SERVERKEY=/var/lib/boot2docker/server-key.pem',
			'SERVERCERT=/var/lib/boot2docker/server.pem',
			"export 'HTTP_PROXY=http://proxy:3128'",
			'',
		].join('\n'),
	);
	const withStorage = profileContent({
		dockerd: 'dockerd',
		args: daemonArgs({...engineOptions, StorageDriver: 'aufs'}, 'virtualbox', 2376, 'unix:///x'),
		env: [],
	});
	t.regex(withStorage, /^DOCKER_STORAGE=aufs$/m);
	t.notRegex(withStorage, /--storage-driver|--tlsverify|unix:\/\/\/x/);
});
