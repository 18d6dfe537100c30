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

/** docker-machine's hostname rule; the name becomes the host's hostname and a directory name. */
export function isValidMachineName(name: string): boolean {
	return machineNamePattern.test(name);
}

export function assertValidMachineName(name: string): void {
	if (!isValidMachineName(name)) {
		throw new MachinistError(
			'Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -',
		);
	}
}
