// boot2docker's own init script, configured by /var/lib/boot2docker/profile.
import {shellQuote} from '../../ssh/quote.js';
import type {DaemonSetup} from '../daemon.js';
import {writeIfChanged} from '../remote.js';
import type {InitSystem} from './init-system.js';

/** The one persistent directory of a boot2docker guest: / and /etc live in RAM. */
export const boot2dockerDir = '/var/lib/boot2docker';
const profile = `${boot2dockerDir}/profile`;

/** The options that boot2docker's init script sets from its own variables, and their argument counts. */
const ownedByScript = new Map([
	['-H', 1],
	['--tlsverify', 0],
	['--tlscacert', 1],
	['--tlscert', 1],
	['--tlskey', 1],
	['--storage-driver', 1],
]);

/** The profile is sourced by sh, so a word is quoted only when sh would split or expand it. */
function plainOrQuoted(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : shellQuote(word);
}

/**
 * The profile as docker-machine wrote it: the daemon's address and TLS files in their own
 * variables (the init script adds the local socket and the TLS flags), the rest in EXTRA_ARGS.
 */
export function profileContent(setup: DaemonSetup): string {
	const extra: string[] = [];
	const tcp = setup.args.find((argument, index) => setup.args[index - 1] === '-H' && argument.startsWith('tcp://')) ?? 'tcp://0.0.0.0:2376';
	const storage = setup.args[setup.args.indexOf('--storage-driver') + 1];
	for (let index = 0; index < setup.args.length; index++) {
		const skip = ownedByScript.get(setup.args[index]!);
		if (skip === undefined) extra.push(plainOrQuoted(setup.args[index]!));
		else index += skip;
	}

	return [
		'# Written by machinist; rewritten by "machinist provision".',
		`EXTRA_ARGS='`,
		extra.join(' ').replaceAll("'", String.raw`'\''`),
		`'`,
		`CACERT=${boot2dockerDir}/ca.pem`,
		`DOCKER_HOST='-H ${tcp}'`,
		`DOCKER_STORAGE=${setup.args.includes('--storage-driver') && storage ? storage : 'overlay2'}`,
		'DOCKER_TLS=auto',
		`SERVERKEY=${boot2dockerDir}/server-key.pem`,
		`SERVERCERT=${boot2dockerDir}/server.pem`,
		...setup.env.map(entry => `export ${shellQuote(entry)}`),
		'',
	].join('\n');
}

/** boot2docker guests: the profile, `/etc/init.d/docker restart`, certificates kept in /var/lib/boot2docker. */
const boot2docker: InitSystem = {
	name: 'boot2docker',
	certDir: boot2dockerDir,
	async localSocket() {
		return 'unix:///var/run/docker.sock';
	},
	async configure(remote, setup, signal) {
		return writeIfChanged(remote, profile, profileContent(setup), 0o644, signal);
	},
	async restart(remote, signal, timeoutMs = 120_000) {
		await remote.sudo('/etc/init.d/docker restart', {signal, timeoutMs, label: 'restart docker'});
	},
	async failed(remote, signal) {
		const result = await remote.exec('sudo /etc/init.d/docker status 2>&1 || true', {signal});
		return /not running/i.test(result.stdout);
	},
	async recentLogs(remote, signal) {
		const result = await remote.exec('tail -n 15 /var/log/docker.log 2>/dev/null; true', {signal});
		return result.stdout.trim();
	},
};

export default boot2docker;
