// The InitSystem interface (how dockerd is configured and restarted) and its detection.
import type {DaemonSetup} from '../daemon.js';
import type {Remote} from '../remote.js';

/**
 * How dockerd is configured and (re)started on a host: systemd, OpenRC, or nothing (containers,
 * WSL-like hosts), where we start dockerd ourselves.
 */
export type InitSystem = {
	name: 'systemd' | 'openrc' | 'boot2docker' | 'none';
	/** Where dockerd's TLS files go when not /etc/docker (boot2docker keeps only /var/lib/boot2docker across boots). */
	certDir?: string;
	/** The `-H` address for local clients: systemd hands over docker.socket as `fd://`. */
	localSocket(remote: Remote, signal?: AbortSignal): Promise<string>;
	/** Writes the daemon's configuration; true when it changed. */
	configure(remote: Remote, setup: DaemonSetup, signal?: AbortSignal): Promise<boolean>;
	/** Restarts dockerd with the current configuration and certificates, within `timeoutMs` (else the init system's default). */
	restart(remote: Remote, signal?: AbortSignal, timeoutMs?: number): Promise<void>;
	/** Whether dockerd is on its way up by itself (a boot's start job): waiting beats restarting it. */
	startingUp?(remote: Remote, signal?: AbortSignal): Promise<boolean>;
	/** Whether dockerd has given up (a failed unit, a dead process): no point waiting for it. */
	failed(remote: Remote, signal?: AbortSignal): Promise<boolean>;
	/** The daemon's last log lines, for error messages. */
	recentLogs(remote: Remote, signal?: AbortSignal): Promise<string>;
};

/** One shell line printing the init system's name; run during fact gathering. */
export const detectInitScript =
	'if [ -d /run/systemd/system ]; then echo systemd; elif [ -x /etc/init.d/docker ] && [ -d /var/lib/boot2docker ]; then echo boot2docker; elif command -v rc-service >/dev/null 2>&1 && [ -d /run/openrc ]; then echo openrc; else echo none; fi';

export async function initSystemNamed(name: string): Promise<InitSystem> {
	switch (name) {
		case 'systemd': {
			return (await import('./systemd.js')).default;
		}

		case 'openrc': {
			return (await import('./openrc.js')).default;
		}

		case 'boot2docker': {
			return (await import('./boot2docker.js')).default;
		}

		default: {
			return (await import('./direct.js')).default;
		}
	}
}
