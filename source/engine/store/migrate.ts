// Reading older config.json versions.
import path from 'node:path';
import {MachinistError} from '../errors.js';
import {currentConfigVersion, defaultEngineOptions, defaultSwarmOptions, type HostRecord} from './host.js';

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function asString(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/**
 * v0 (machine 0.1) kept auth and swarm settings flat at the top level; v1 nests them under
 * HostOptions.
 */
const v0FlatFields = new Set([
	'StorePath',
	'CaCertPath',
	'PrivateKeyPath',
	'ServerCertPath',
	'ServerKeyPath',
	'ClientCertPath',
	'ClientKeyPath',
	'SwarmHost',
	'SwarmMaster',
	'SwarmDiscovery',
]);

function v0ToV1(raw: Json): Json {
	const hostOptions = asObject(raw.HostOptions);
	if (Object.keys(hostOptions).length > 0) return {...raw, ConfigVersion: 1};
	const rest = Object.fromEntries(Object.entries(raw).filter(([key]) => !v0FlatFields.has(key)));
	return {
		...rest,
		ConfigVersion: 1,
		HostOptions: {
			Driver: '',
			Memory: 0,
			Disk: 0,
			EngineOptions: {...defaultEngineOptions(), TlsVerify: true, InstallURL: 'https://get.docker.com'},
			SwarmOptions: {
				...defaultSwarmOptions(),
				Discovery: asString(raw.SwarmDiscovery),
				Host: asString(raw.SwarmHost),
				Master: raw.SwarmMaster === true,
			},
			AuthOptions: {
				StorePath: asString(raw.StorePath),
				CaCertPath: asString(raw.CaCertPath),
				PrivateKeyPath: asString(raw.PrivateKeyPath),
				ServerCertPath: asString(raw.ServerCertPath),
				ServerKeyPath: asString(raw.ServerKeyPath),
				ClientCertPath: asString(raw.ClientCertPath),
				ClientKeyPath: asString(raw.ClientKeyPath),
			},
		},
	};
}

/**
 * v1 → v2: PrivateKeyPath became CaPrivateKeyPath, CertDir appeared, and AuthOptions.StorePath
 * moved from the machine directory to the global store (two levels up), as libmachine did.
 */
function v1ToV2(raw: Json, globalStore: string): Json {
	const hostOptions = asObject(raw.HostOptions);
	const auth = asObject(hostOptions.AuthOptions);
	const {PrivateKeyPath: privateKeyPath, ...rest} = auth;
	const driver = asObject(raw.Driver);
	return {
		...raw,
		ConfigVersion: 2,
		Name: asString(raw.Name) || asString(driver.MachineName),
		HostOptions: {
			...hostOptions,
			AuthOptions: {
				...rest,
				CaPrivateKeyPath: asString(auth.CaPrivateKeyPath) || asString(privateKeyPath),
				CertDir: asString(auth.CertDir) || path.join(globalStore, 'certs'),
				StorePath: globalStore,
			},
		},
	};
}

/** v2 → v3: the driver JSON carries the global store path (the plugin model needed it). */
function v2ToV3(raw: Json, globalStore: string): Json {
	return {...raw, ConfigVersion: 3, Driver: {...asObject(raw.Driver), StorePath: globalStore}};
}

export type MigrationResult = {host: HostRecord; migrated: boolean};

/**
 * Brings a parsed config.json of any known version to v3, in memory. The caller decides
 * whether to persist (keeping a .bak), so reading never rewrites a file by itself.
 */
export function migrateHost(raw: unknown, globalStore: string): MigrationResult {
	let record = asObject(raw);
	const version = typeof record.ConfigVersion === 'number' ? record.ConfigVersion : 0;
	if (version > currentConfigVersion) {
		throw new MachinistError('Error getting migrated host: config version is from the future -- you should upgrade your Docker Machine client');
	}

	if (version < 1) record = v0ToV1(record);
	if (version < 2) record = v1ToV2(record, globalStore);
	if (version < 3) record = v2ToV3(record, globalStore);
	return {host: record as unknown as HostRecord, migrated: version < currentConfigVersion};
}
