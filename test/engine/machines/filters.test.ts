import test from 'ava';
import {matchesRecordFilters, matchesStateFilter, parseFilters} from '../../../source/engine/machines/filters.js';
import {authOptionsFor, defaultCertPaths, defaultEngineOptions, defaultSwarmOptions, type HostRecord} from '../../../source/engine/store/host.js';

function host(name: string, driver: string, labels: string[] = [], swarm: Partial<HostRecord['HostOptions']['SwarmOptions']> = {}): HostRecord {
	return {
		ConfigVersion: 3,
		Driver: {
			IPAddress: '',
			MachineName: name,
			SSHUser: '',
			SSHPort: 0,
			SSHKeyPath: '',
			StorePath: '',
			SwarmMaster: false,
			SwarmHost: '',
			SwarmDiscovery: '',
		},
		DriverName: driver,
		HostOptions: {
			Driver: driver,
			Memory: 0,
			Disk: 0,
			EngineOptions: {...defaultEngineOptions(), Labels: labels},
			SwarmOptions: {...defaultSwarmOptions(), ...swarm},
			AuthOptions: authOptionsFor('', name, defaultCertPaths('')),
		},
		Name: name,
	};
}

const hosts = [
	host('web1', 'generic', ['env=prod', 'tier=web']),
	host('web2', 'none', ['env=Staging']),
	host('master', 'generic', [], {IsSwarm: true, Master: true, Discovery: 'token://abc'}),
	host('agent', 'generic', [], {IsSwarm: true, Discovery: 'token://abc'}),
];

function matching(flags: string[]): string[] {
	const filters = parseFilters(flags);
	return hosts.filter(item => matchesRecordFilters(item, hosts, filters)).map(item => item.Name);
}

test('driver filter compares case-insensitively; repeated keys OR, different keys AND', t => {
	t.deepEqual(matching(['driver=GENERIC']), ['web1', 'master', 'agent']);
	t.deepEqual(matching(['driver=none', 'driver=generic']), ['web1', 'web2', 'master', 'agent']);
	t.deepEqual(matching(['driver=generic', 'name=^web']), ['web1']);
});

test('name filter is an unanchored regular expression', t => {
	t.deepEqual(matching(['name=eb']), ['web1', 'web2']);
	t.deepEqual(matching(['name=^a']), ['agent']);
});

test('label filter matches key=value with the value case-insensitive, and a bare key matches any value', t => {
	t.deepEqual(matching(['label=env=STAGING']), ['web2']);
	t.deepEqual(matching(['label=env']), ['web1', 'web2']);
	t.deepEqual(matching(['label=tier=db']), []);
});

test('swarm filter matches the master sharing the discovery URL', t => {
	t.deepEqual(matching(['swarm=master']), ['master', 'agent']);
});

test('state filter compares state names case-insensitively, and state= matches None', t => {
	const filters = parseFilters(['state=running']);
	t.true(matchesStateFilter('Running', filters));
	t.false(matchesStateFilter('Stopped', filters));
	t.true(matchesStateFilter('None', parseFilters(['state='])));
});

test('bad filters are one-line errors that say what is accepted', t => {
	t.throws(() => parseFilters(['driver']), {message: 'Unsupported filter syntax "driver": use --filter key=value'});
	t.throws(() => parseFilters(['color=red']), {message: "Unsupported filter key 'color': use driver, state, name, label or swarm"});
	t.throws(() => parseFilters(['name=(']), {message: /^Invalid name filter "\(": /});
});
