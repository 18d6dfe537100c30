// dockerd's arguments and the certificate paths on the host.
import type {EngineOptions} from '../store/host.js';

/** Where provisioning puts the daemon's TLS files (docker-machine's choice for every family). */
export const remoteCertDir = '/etc/docker';
export const remoteCertPaths = {
	ca: `${remoteCertDir}/ca.pem`,
	cert: `${remoteCertDir}/server.pem`,
	key: `${remoteCertDir}/server-key.pem`,
} as const;

export type DaemonSetup = {
	/** The dockerd binary found on the host (/usr/bin/dockerd, or Debian's /usr/sbin/dockerd). */
	dockerd: string;
	args: string[];
	/** `KEY=value` entries from --engine-env. */
	env: string[];
};

/**
 * dockerd's arguments from the machine's engine options, in docker-machine's order. The local
 * socket argument is the init system's choice (`fd://` under systemd socket activation).
 * Unlike docker-machine, no --storage-driver unless one was asked for: dockerd picks overlay2
 * where it works and something that works where it does not (a host whose root is overlayfs).
 */
export function daemonArgs(options: EngineOptions, driverName: string, enginePort: number, localSocket: string): string[] {
	const args = ['-H', `tcp://0.0.0.0:${enginePort}`, '-H', localSocket];
	if (options.StorageDriver) args.push('--storage-driver', options.StorageDriver);
	args.push('--tlsverify', '--tlscacert', remoteCertPaths.ca, '--tlscert', remoteCertPaths.cert, '--tlskey', remoteCertPaths.key);
	for (const label of [...options.Labels, `provider=${driverName}`]) args.push('--label', label);
	for (const registry of options.InsecureRegistry) args.push('--insecure-registry', registry);
	for (const mirror of options.RegistryMirror ?? []) args.push('--registry-mirror', mirror);
	for (const flag of options.ArbitraryFlags) args.push(`--${flag}`);
	return args;
}
