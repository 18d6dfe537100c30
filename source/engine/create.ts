import {chmod, copyFile} from 'node:fs/promises';
import path from 'node:path';
import type {Engine} from './engine.js';
import {MachinistError, errorMessage, exitCodes} from './errors.js';
import {driverContext, type Machine} from './machine.js';
import {loadDriverDefinition} from './drivers/registry.js';
import {checkOptions, listOption, resolveOptions, stringOption, boolOption, type OptionSpec, type OptionValue} from './options.js';
import {ignoreProgress, type ProgressSink} from './progress.js';
import {ensurePrivateDir, privateFileMode, worldWritable} from './store/files.js';
import {readNotes, writeNotes} from './store/notes.js';
import {
	assertValidMachineName,
	authOptionsFor,
	baseDriverConfig,
	currentConfigVersion,
	defaultEngineOptions,
	defaultInstallUrl,
	defaultSwarmHost,
	defaultSwarmImage,
	defaultSwarmOptions,
	type HostRecord,
} from './store/host.js';
import {certificateUser} from './certs/user.js';

/** The flags `create` takes whatever the driver (reference §1.4 create), as data. */
export const createOptionSpecs: readonly OptionSpec[] = [
	{name: 'driver', short: 'd', type: 'string', envVar: 'MACHINE_DRIVER', description: 'Driver to create machine with.'},
	{name: 'engine-install-url', type: 'string', envVar: 'MACHINE_DOCKER_INSTALL_URL', default: defaultInstallUrl, description: 'Custom URL to use for engine installation', advanced: true},
	{name: 'engine-opt', type: 'string-list', description: 'Specify arbitrary flags to include with the created engine in the form flag=value', advanced: true},
	{name: 'engine-insecure-registry', type: 'string-list', description: 'Specify insecure registries to allow with the created engine', advanced: true},
	{name: 'engine-registry-mirror', type: 'string-list', envVar: 'ENGINE_REGISTRY_MIRROR', description: 'Specify registry mirrors to use', advanced: true},
	{name: 'engine-label', type: 'string-list', description: 'Specify labels for the created engine', advanced: true},
	{name: 'engine-storage-driver', type: 'string', description: 'Specify a storage driver to use with the engine', advanced: true},
	{name: 'engine-env', type: 'string-list', description: 'Specify environment variables to set in the engine', advanced: true},
	{name: 'swarm', type: 'bool', description: 'Configure Machine to join a Swarm cluster', advanced: true},
	{name: 'swarm-image', type: 'string', envVar: 'MACHINE_SWARM_IMAGE', default: defaultSwarmImage, description: 'Specify Docker image to use for Swarm', advanced: true},
	{name: 'swarm-master', type: 'bool', description: 'Configure Machine to be a Swarm master', advanced: true},
	{name: 'swarm-discovery', type: 'string', description: 'Discovery service to use with Swarm', advanced: true},
	{name: 'swarm-strategy', type: 'string', default: 'spread', description: 'Define a default scheduling strategy for Swarm', advanced: true},
	{name: 'swarm-opt', type: 'string-list', description: 'Define arbitrary flags for Swarm master', advanced: true},
	{name: 'swarm-join-opt', type: 'string-list', description: 'Define arbitrary flags for Swarm join', advanced: true},
	{name: 'swarm-host', type: 'string', default: defaultSwarmHost, description: 'ip/socket to listen on for Swarm master', advanced: true},
	{name: 'swarm-addr', type: 'string', description: 'addr to advertise for Swarm (default: detect and use the machine IP)', advanced: true},
	{name: 'swarm-experimental', type: 'bool', description: 'Enable Swarm experimental features', advanced: true},
	{name: 'tls-san', type: 'string-list', description: 'Support extra SANs for TLS certs', advanced: true},
];

export type CreateRequest = {
	name: string;
	driverName: string;
	/** Flag values as given (create's own and the driver's); env vars and defaults fill the rest. */
	given: Readonly<Record<string, OptionValue | undefined>>;
};

function hostRecordFor(engine: Engine, request: CreateRequest, values: Readonly<Record<string, OptionValue>>, driverConfig: HostRecord['Driver']): HostRecord {
	const swarm = boolOption(values, 'swarm');
	const swarmMaster = boolOption(values, 'swarm-master');
	return {
		ConfigVersion: currentConfigVersion,
		Driver: driverConfig,
		DriverName: request.driverName,
		HostOptions: {
			Driver: '',
			Memory: 0,
			Disk: 0,
			EngineOptions: {
				...defaultEngineOptions(),
				ArbitraryFlags: listOption(values, 'engine-opt'),
				Env: listOption(values, 'engine-env'),
				InsecureRegistry: listOption(values, 'engine-insecure-registry'),
				Labels: listOption(values, 'engine-label'),
				StorageDriver: stringOption(values, 'engine-storage-driver'),
				RegistryMirror: listOption(values, 'engine-registry-mirror'),
				InstallURL: stringOption(values, 'engine-install-url'),
			},
			SwarmOptions: {
				...defaultSwarmOptions(),
				IsSwarm: swarm || swarmMaster,
				Address: stringOption(values, 'swarm-addr'),
				Discovery: stringOption(values, 'swarm-discovery'),
				Agent: swarm,
				Master: swarmMaster,
				Host: stringOption(values, 'swarm-host'),
				Image: stringOption(values, 'swarm-image'),
				Strategy: stringOption(values, 'swarm-strategy'),
				ArbitraryFlags: listOption(values, 'swarm-opt'),
				ArbitraryJoinFlags: listOption(values, 'swarm-join-opt'),
				IsExperimental: boolOption(values, 'swarm-experimental'),
			},
			AuthOptions: authOptionsFor(engine.store.root, request.name, engine.certPaths, listOption(values, 'tls-san')),
		},
		Name: request.name,
	};
}

/** docker-machine's lines for certificates it made. */
function reportCreated(created: ReadonlyArray<{kind: 'ca' | 'client'; path: string}>, progress: ProgressSink): void {
	for (const item of created) {
		progress({type: 'step', message: item.kind === 'ca' ? `Creating CA: ${item.path}` : `Creating client certificate: ${item.path}`});
	}
}

/** Makes sure the global CA and client certificate exist and are current (docker-machine's bootstrap). */
export async function bootstrapCertificates(engine: Engine, progress: ProgressSink = ignoreProgress): Promise<void> {
	const certs = await import('./certs/generate.js');
	// Two creates at once must not pair one's CA key with the other's CA certificate. `#` cannot
	// start a machine name, so this lock never collides with a machine's.
	const created = await engine.store.withLock('#certs', async () => certs.bootstrapCertificates(engine.certPaths, certificateUser(engine.env)));
	reportCreated(created, progress);
}

/** regenerate-certs --client-certs: a new CA and client certificate, even if the old are valid (#4397). */
export async function rotateClientCertificates(engine: Engine, progress: ProgressSink = ignoreProgress): Promise<void> {
	const certs = await import('./certs/generate.js');
	const created = await engine.store.withLock('#certs', async () => certs.rotateClientCertificates(engine.certPaths, certificateUser(engine.env)));
	reportCreated(created, progress);
}

/**
 * Copies the global CA and client certificate into the machine directory, which is what
 * DOCKER_CERT_PATH points the docker CLI at.
 */
export async function copyClientCertificates(engine: Engine, machineDir: string): Promise<void> {
	await ensurePrivateDir(machineDir);
	const copies: Array<[string, string, number]> = [
		[engine.certPaths.caCert, 'ca.pem', 0o644],
		[engine.certPaths.clientCert, 'cert.pem', 0o644],
		[engine.certPaths.clientKey, 'key.pem', privateFileMode],
	];
	await Promise.all(copies.map(async ([from, name, mode]) => {
		const target = path.join(machineDir, name);
		await copyFile(from, target);
		await chmod(target, mode);
	}));
}

/**
 * docker-machine's create flow (reference §1.4 create), step by step with its messages. The
 * record is saved before the driver makes anything, so a create that fails later stays listed
 * and can be finished with `provision` or cleaned up with `rm`.
 */
export async function createMachine(engine: Engine, request: CreateRequest, options: {progress?: ProgressSink; signal?: AbortSignal; sshWaitMs?: number} = {}): Promise<HostRecord> {
	const progress = options.progress ?? ignoreProgress;
	assertValidMachineName(request.name);
	const definition = await loadDriverDefinition(request.driverName);
	const values = resolveOptions([...createOptionSpecs, ...definition.options], request.given, engine.env);
	const discovery = stringOption(values, 'swarm-discovery');
	if (discovery && !/^[^:]*:\/\/.*/.test(discovery)) {
		throw new MachinistError(`Error parsing swarm discovery: Swarm Discovery URL was in the wrong format: ${discovery}`);
	}

	if (await engine.store.exists(request.name)) {
		throw new MachinistError(`Docker machine "${request.name}" already exists`);
	}

	let driver;
	try {
		checkOptions(definition.options, values);
		driver = definition.fromOptions(baseDriverConfig(engine.store.root, request.name), values);
	} catch (error) {
		throw new MachinistError(`Error setting machine configuration from flags provided: ${errorMessage(error)}`);
	}

	if (await worldWritable(engine.store.root)) {
		progress({type: 'warning', message: `Warning: ${engine.store.root} is writable by every user: any of them could replace the keys and certificates in it; make it yours only (chmod 700), or set MACHINE_STORAGE_PATH to a private directory`});
	}

	return engine.store.withLock(request.name, async () => {
		// Checked again holding the lock: a create of the same name may have finished meanwhile.
		if (await engine.store.exists(request.name)) {
			throw new MachinistError(`Docker machine "${request.name}" already exists`);
		}

		await bootstrapCertificates(engine, progress);
		const machine: Machine = {name: request.name, host: hostRecordFor(engine, request, values, driver.config), driver, dir: engine.store.machineDir(request.name)};
		const context = driverContext(machine, {progress, signal: options.signal});
		progress({type: 'step', message: 'Running pre-create checks...'});
		try {
			await driver.preCreateCheck(context);
		} catch (error) {
			throw new MachinistError(`Error with pre-create check: "${errorMessage(error)}"`, {exitCode: exitCodes.preCreateCheck});
		}

		await engine.store.claim(request.name);
		await engine.store.save(machine.host);
		progress({type: 'step', message: 'Creating machine...'});
		try {
			await driver.create(context);
		} catch (error) {
			await writeNotes(machine.dir, {...(await readNotes(machine.dir)), createError: errorMessage(error)});
			throw new MachinistError(`Error creating machine: Error in driver during machine creation: ${errorMessage(error)}. The machine is kept so that "${engine.program} rm ${request.name}" removes what was made`, {cause: error});
		} finally {
			await engine.store.save({...machine.host, Driver: driver.config});
		}

		await copyClientCertificates(engine, machine.dir);
		// docker-machine stops here for `none`: there is no host to provision.
		if (!driver.provisions) return {...machine.host, Driver: driver.config};
		const saved: Machine = {...machine, host: {...machine.host, Driver: driver.config}};
		try {
			progress({type: 'step', message: 'Waiting for machine to be running, this may take a few minutes...'});
			const {waitForState} = await import('./machines.js');
			await waitForState(saved, 'Running', {signal: options.signal});
			progress({type: 'step', message: 'Detecting operating system of created instance...'});
			const {provisionMachine} = await import('./provisioning.js');
			await provisionMachine(engine, saved, {progress, signal: options.signal, sshWaitMs: options.sshWaitMs});
		} catch (error) {
			throw new MachinistError(`Error creating machine: Error running provisioning: ${errorMessage(error)}. The machine is kept: fix the cause and run "${engine.program} provision ${request.name}", or remove it with "${engine.program} rm ${request.name}"`, {cause: error});
		}

		progress({type: 'step', message: 'Checking connection to Docker...'});
		const {checkConnection} = await import('./connection.js');
		await checkConnection(engine, saved, {signal: options.signal});
		progress({type: 'step', message: 'Docker is up and running!'});
		return saved.host;
	}, {operation: 'Creating'});
}
