// OpenRC (Alpine): dockerd as an OpenRC service.
import {shellQuote} from '../../ssh/quote.js';
import type {DaemonSetup} from '../daemon.js';
import {writeIfChanged} from '../remote.js';
import type {InitSystem} from './init-system.js';

const confFile = '/etc/conf.d/docker';

export function confContent(setup: DaemonSetup): string {
	return [
		'# Written by machinist; rewritten by "machinist provision".',
		// The init script splits DOCKER_OPTS on spaces without honouring quotes.
		`DOCKER_OPTS=${shellQuote(setup.args.join(' '))}`,
		...setup.env.map(entry => `export ${shellQuote(entry)}`),
		'',
	].join('\n');
}

/** Alpine and other OpenRC hosts: options in /etc/conf.d/docker, the service via rc-service. */
const openrc: InitSystem = {
	name: 'openrc',
	async localSocket() {
		return 'unix:///var/run/docker.sock';
	},
	async configure(remote, setup, signal) {
		return writeIfChanged(remote, confFile, confContent(setup), 0o644, signal);
	},
	async restart(remote, signal, timeoutMs = 120_000) {
		await remote.sudo('rc-update add docker default >/dev/null 2>&1 || true; rc-service docker restart', {
			signal,
			timeoutMs,
			label: 'restart docker',
		});
	},
	async failed(remote, signal) {
		const result = await remote.exec('rc-service docker status >/dev/null 2>&1 && echo running || echo stopped', {signal});
		return result.stdout.trim() === 'stopped';
	},
	async recentLogs(remote, signal) {
		const result = await remote.exec('sudo -n tail -n 15 /var/log/docker.log 2>/dev/null || tail -n 15 /var/log/docker.log 2>/dev/null; true', {signal});
		return result.stdout.trim();
	},
};

export default openrc;
