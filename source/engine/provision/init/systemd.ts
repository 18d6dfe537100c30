// systemd: dockerd as a systemd unit with a drop-in.
import type {DaemonSetup} from '../daemon.js';
import {writeIfChanged} from '../remote.js';
import type {InitSystem} from './init-system.js';

/** Where provisioning writes dockerd's options. */
export const dropIn = '/etc/systemd/system/docker.service.d/10-machine.conf';

/** A shell test: dockerd starts from docker.socket (Debian's docker.io, docker-ce), so it takes that socket (fd://). */
export const socketActivated = 'systemctl cat docker.socket >/dev/null 2>&1';

/**
 * An argument as systemd's ExecStart parses it: plain when safe, else double-quoted with
 * backslash escapes; `%` and `$` are doubled so systemd expands neither specifiers nor variables
 * in values that came from the user.
 */
export function systemdArgument(value: string): string {
	const escaped = value.replaceAll('%', '%%').replaceAll('$', () => '$$');
	if (/^[\w@%+=:,./-]+$/.test(escaped)) return escaped;
	return systemdQuoted(escaped);
}

/** Double-quoted for systemd's unquoting: quote and backslash escaped, control characters as \xNN. */
function systemdQuoted(value: string): string {
	return `"${value.replaceAll(/["\\]|[\u0000-\u001F\u007F]/g, character => (character === '"' || character === '\\' ? `\\${character}` : String.raw`\x${character.codePointAt(0)!.toString(16).padStart(2, '0')}`))}"`;
}

/**
 * A value as systemd's Environment= reads it: it unquotes, undoes C-style escapes and expands
 * `%` specifiers, but never expands `$`. So `%` is doubled, the value is double-quoted with
 * backslash, quote and control characters escaped, and `$` stays as it is.
 */
export function systemdEnvironment(entry: string): string {
	return systemdQuoted(entry.replaceAll('%', '%%'));
}

export function dropInContent(setup: DaemonSetup): string {
	const lines = [
		'# Written by machinist (docker-machine compatible); rewritten by "machinist provision".',
		'[Service]',
		// The empty ExecStart clears the distribution's before ours replaces it.
		'ExecStart=',
		`ExecStart=${[setup.dockerd, ...setup.args].map(argument => systemdArgument(argument)).join(' ')}`,
		...setup.env.map(entry => `Environment=${systemdEnvironment(entry)}`),
		'',
	];
	return lines.join('\n');
}

const systemd: InitSystem = {
	name: 'systemd',
	async localSocket(remote, signal) {
		// Debian's docker.io (and docker-ce) start dockerd from docker.socket: dockerd must then
		// take that socket (fd://) instead of racing it for /var/run/docker.sock.
		const result = await remote.exec(`${socketActivated} && echo socket || echo none`, {signal});
		return result.stdout.trim() === 'socket' ? 'fd://' : 'unix:///var/run/docker.sock';
	},
	async configure(remote, setup, signal) {
		return writeIfChanged(remote, dropIn, dropInContent(setup), 0o644, signal);
	},
	async restart(remote, signal, timeoutMs = 300_000) {
		// reset-failed: a daemon that failed several times in a row is otherwise refused a start
		// ("start request repeated too quickly") until the rate limit expires.
		await remote.sudo(
			[
				'systemctl daemon-reload',
				'systemctl reset-failed docker.service docker.socket >/dev/null 2>&1 || true',
				'systemctl enable docker.service >/dev/null 2>&1 || true',
				`if ${socketActivated}; then systemctl start docker.socket; fi`,
				'systemctl restart docker.service',
				// A VM under TCG on a busy machine takes minutes to stop and start dockerd (iptables);
				// a lost link is noticed sooner, by the session's keepalive.
			].join(' && '),
			{signal, timeoutMs, label: 'restart docker'},
		);
	},
	async startingUp(remote, signal) {
		const result = await remote.exec(
			'systemctl show -p ActiveState -p ActiveEnterTimestampMonotonic docker.service; echo "Uptime=$(cut -d " " -f 1 /proc/uptime)"; systemctl list-jobs --no-legend 2>/dev/null',
			{signal},
		);
		return dockerStartingUp(result.stdout);
	},
	async failed(remote, signal) {
		// `activating` (auto-restart pending) counts too: the unit restarts a daemon that exits.
		const result = await remote.exec('systemctl is-failed docker.service; systemctl show -p ActiveState,SubState --value docker.service', {signal});
		return /^failed$/m.test(result.stdout) || /^auto-restart$/m.test(result.stdout);
	},
	async recentLogs(remote, signal) {
		const result = await remote.exec(
			`sudo -n journalctl -u docker.service -n 15 --no-pager -o cat 2>/dev/null || journalctl -u docker.service -n 15 --no-pager -o cat 2>/dev/null || systemctl status docker.service --no-pager -n 15 2>&1 | tail -n 15; true`,
			{signal},
		);
		return result.stdout.trim();
	},
};

export default systemd;

/** How long after its unit turned active a dockerd may still be opening its TCP listener. */
const justStartedSeconds = 30;

/**
 * Whether the output of startingUp's command says dockerd is on its way up by itself: a queued
 * start job (a boot that has not reached it), `activating`, or active for under 30 s. The last
 * because systemd calls dockerd started when it reports ready, a moment before it listens on TCP:
 * under emulation that moment lasts seconds, and provisioning that asked then restarted it.
 */
export function dockerStartingUp(output: string): boolean {
	const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(output)?.[1] ?? '';
	if (/\sdocker\.(service|socket)\s/.test(output)) return true;
	const state = field('ActiveState');
	if (state === 'activating') return true;
	const enteredMicroseconds = Number(field('ActiveEnterTimestampMonotonic'));
	const uptimeSeconds = Number(field('Uptime'));
	return state === 'active' && enteredMicroseconds > 0 && uptimeSeconds - enteredMicroseconds / 1e6 < justStartedSeconds;
}
