import test from 'ava';
import {daemonArgs} from '../../../source/engine/provision/daemon.js';
import {defaultEngineOptions} from '../../../source/engine/store/host.js';

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
