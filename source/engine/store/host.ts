// The machine record (config.json v3), its defaults and names.
import path from 'node:path';
import {MachinistError} from '../errors.js';

/**
 * The host record docker-machine keeps in `machines/<name>/config.json` (ConfigVersion 3).
 * Field names and nesting are Go's, byte for byte, so the real docker-machine reads what we
 * write and we read what it wrote.
 */
export const currentConfigVersion = 3;

export type EngineOptions = {
	ArbitraryFlags: string[];
	Dns: string[] | null;
	GraphDir: string;
	Env: string[];
	Ipv6: boolean;
	InsecureRegistry: string[];
	Labels: string[];
	LogLevel: string;
	StorageDriver: string;
	SelinuxEnabled: boolean;
	TlsVerify: boolean;
	RegistryMirror: string[];
	InstallURL: string;
};

export type SwarmOptions = {
	IsSwarm: boolean;
	Address: string;
	Discovery: string;
	Agent: boolean;
	Master: boolean;
	Host: string;
	Image: string;
	Strategy: string;
	Heartbeat: number;
	Overcommit: number;
	ArbitraryFlags: string[];
	ArbitraryJoinFlags: string[];
	Env: string[] | null;
	IsExperimental: boolean;
};

export type AuthOptions = {
	CertDir: string;
	CaCertPath: string;
	CaPrivateKeyPath: string;
	CaCertRemotePath: string;
	ServerCertPath: string;
	ServerKeyPath: string;
	ClientKeyPath: string;
	ServerCertRemotePath: string;
	ServerKeyRemotePath: string;
	ClientCertPath: string;
	ServerCertSANs: string[];
	StorePath: string;
};

export type HostOptions = {
	Driver: string;
	Memory: number;
	Disk: number;
	EngineOptions: EngineOptions;
	SwarmOptions: SwarmOptions;
	AuthOptions: AuthOptions;
};

/**
 * The fields every driver's JSON carries (libmachine's BaseDriver). Drivers add their own;
 * unknown fields are kept as they are, so a record written by another tool survives a rewrite.
 */
export type BaseDriverConfig = {
	IPAddress: string;
	MachineName: string;
	SSHUser: string;
	SSHPort: number;
	SSHKeyPath: string;
	StorePath: string;
	SwarmMaster: boolean;
	SwarmHost: string;
	SwarmDiscovery: string;
	[field: string]: unknown;
};

export type HostRecord = {
	ConfigVersion: number;
	Driver: BaseDriverConfig;
	DriverName: string;
	HostOptions: HostOptions;
	Name: string;
};

export const defaultInstallUrl = 'https://get.docker.com';
export const defaultSwarmImage = 'swarm:latest';
export const defaultSwarmHost = 'tcp://0.0.0.0:3376';

export function defaultEngineOptions(): EngineOptions {
	return {
		ArbitraryFlags: [],
		Dns: null,
		GraphDir: '',
		Env: [],
		Ipv6: false,
		InsecureRegistry: [],
		Labels: [],
		LogLevel: '',
		StorageDriver: '',
		SelinuxEnabled: false,
		TlsVerify: true,
		RegistryMirror: [],
		InstallURL: defaultInstallUrl,
	};
}

export function defaultSwarmOptions(): SwarmOptions {
	return {
		IsSwarm: false,
		Address: '',
		Discovery: '',
		Agent: false,
		Master: false,
		Host: defaultSwarmHost,
		Image: defaultSwarmImage,
		Strategy: 'spread',
		Heartbeat: 0,
		Overcommit: 0,
		ArbitraryFlags: [],
		ArbitraryJoinFlags: [],
		Env: null,
		IsExperimental: false,
	};
}

/** Where the global CA and client certificate live; the `--tls-*` global flags override each. */
export type CertPaths = {
	caCert: string;
	caKey: string;
	clientCert: string;
	clientKey: string;
};

export function defaultCertPaths(storePath: string): CertPaths {
	const certDir = path.join(storePath, 'certs');
	return {
		caCert: path.join(certDir, 'ca.pem'),
		caKey: path.join(certDir, 'ca-key.pem'),
		clientCert: path.join(certDir, 'cert.pem'),
		clientKey: path.join(certDir, 'key.pem'),
	};
}

export function authOptionsFor(storePath: string, machineName: string, certs: CertPaths, sans: string[] = []): AuthOptions {
	const machineDir = path.join(storePath, 'machines', machineName);
	return {
		CertDir: path.join(storePath, 'certs'),
		CaCertPath: certs.caCert,
		CaPrivateKeyPath: certs.caKey,
		CaCertRemotePath: '',
		ServerCertPath: path.join(machineDir, 'server.pem'),
		ServerKeyPath: path.join(machineDir, 'server-key.pem'),
		ClientKeyPath: certs.clientKey,
		ServerCertRemotePath: '',
		ServerKeyRemotePath: '',
		ClientCertPath: certs.clientCert,
		ServerCertSANs: sans,
		StorePath: machineDir,
	};
}

export function baseDriverConfig(storePath: string, machineName: string): BaseDriverConfig {
	return {
		IPAddress: '',
		MachineName: machineName,
		SSHUser: '',
		SSHPort: 0,
		SSHKeyPath: '',
		StorePath: storePath,
		SwarmMaster: false,
		SwarmHost: '',
		SwarmDiscovery: '',
	};
}

const machineNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9\-.]*$/;

/**
 * Linux's HOST_NAME_MAX: `create` sets the name as the host's hostname, and `sethostname` refuses
 * anything longer.
 */
export const maxMachineNameLength = 64;

/**
 * The longest name any command accepts (in bytes): the lock file `.NAME.lock` and the temporary
 * files beside it must still fit in a 255-byte file name. Longer than create allows, so a machine
 * that another tool named stays manageable.
 */
export const maxStoredNameBytes = 200;

/** docker-machine's hostname rule; the name becomes the host's hostname and a directory name. */
export function isValidMachineName(name: string): boolean {
	return machineNamePattern.test(name) && name.length <= maxMachineNameLength;
}

function shownName(name: string): string {
	return name.length > 40 ? `${JSON.stringify(name.slice(0, 40))}… (${name.length} characters)` : JSON.stringify(name);
}

/**
 * Why a name cannot be a machine's directory under machines/, or undefined. Every command checks
 * this before the name becomes a path: "..", "." or "" would otherwise name the store itself or
 * the machines directory, and `rm -f` would delete it.
 */
export function machineNameProblem(name: string): string | undefined {
	if (name === '') return 'Invalid machine name "": a machine name is needed (is a variable in your script empty?)';
	if (name === '.' || name === '..') return `Invalid machine name ${shownName(name)}: "." and ".." are directories, not machines`;
	if (name.includes('/')) return `Invalid machine name ${shownName(name)}: a machine name cannot contain "/"`;
	if (/[\u0000-\u001F\u007F]/.test(name))
		return `Invalid machine name ${shownName(name)}: a machine name cannot contain control characters (NUL, line breaks, tabs)`;
	if (Buffer.byteLength(name) > maxStoredNameBytes)
		return `Invalid machine name ${shownName(name)}: a machine name is at most ${maxStoredNameBytes} bytes long`;
	return undefined;
}

export function assertUsableMachineName(name: string): void {
	const problem = machineNameProblem(name);
	if (problem) throw new MachinistError(problem);
}

export function assertValidMachineName(name: string): void {
	if (name.length > maxMachineNameLength) {
		throw new MachinistError(
			`Error creating machine: Invalid machine name ${shownName(name)}: a machine name is at most ${maxMachineNameLength} characters long (it becomes the host's hostname)`,
		);
	}

	if (!isValidMachineName(name)) {
		throw new MachinistError('Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -');
	}
}

/** A path inside some store's `machines/<old>/` directory, moved into `machineDir`; others unchanged. */
function underMachineDir(value: string, oldName: string, machineDir: string): string {
	const marker = `${path.sep}machines${path.sep}${oldName}`;
	const at = value.lastIndexOf(marker);
	if (at === -1) return value;
	const rest = value.slice(at + marker.length);
	if (rest !== '' && !rest.startsWith(path.sep)) return value;
	return machineDir + rest;
}

/**
 * The record as it belongs in `machines/<name>/`: the directory is the machine's identity (as in
 * docker-machine), so after `mv machines/old machines/new` the name and every path that pointed
 * into the old directory follow the new one. Paths elsewhere (the CA, a key the user named) stay.
 */
export function followDirectory(host: HostRecord, storeRoot: string, name: string): HostRecord {
	// An unrenamed record is kept byte for byte, wherever the store has moved.
	if (host.Name === name) return host;
	const machineDir = path.join(storeRoot, 'machines', name);
	const oldNames = [...new Set([host.Name, typeof host.Driver.MachineName === 'string' ? host.Driver.MachineName : ''].filter(Boolean))];
	const move = (value: unknown): unknown => {
		if (typeof value !== 'string') return value;
		for (const old of oldNames) {
			const moved = underMachineDir(value, old, machineDir);
			if (moved !== value) return moved;
		}

		return value;
	};

	const auth = host.HostOptions.AuthOptions;
	const movedAuth = Object.fromEntries(Object.entries(auth).map(([key, value]) => [key, key === 'ServerCertSANs' ? value : move(value)])) as AuthOptions;
	return {
		...host,
		Name: name,
		Driver: {...host.Driver, MachineName: name, SSHKeyPath: move(host.Driver.SSHKeyPath) as string},
		HostOptions: {...host.HostOptions, AuthOptions: movedAuth},
	};
}
