// create: the record, the driver's host, provisioning and the connection check, step by step.
import {bootstrapCertificates, copyClientCertificates} from '../certs/bootstrap.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage, exitCodes} from '../errors.js';
import {loadDriverDefinition} from '../drivers/registry.js';
import {checkOptions, listOption, resolveOptions, stringOption, boolOption, type OptionValue} from '../options.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import {readNotes, writeNotes} from '../store/notes.js';
import {worldWritable} from '../store/files.js';
import {
	assertValidMachineName,
	authOptionsFor,
	baseDriverConfig,
	currentConfigVersion,
	defaultEngineOptions,
	defaultSwarmOptions,
	type HostRecord,
} from '../store/host.js';
import {driverContext, type Machine} from '../machine.js';
import {createOptionSpecs, type CreateRequest} from './create-options.js';

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

/**
 * The standalone Swarm (its `swarm` image and hosted token discovery) is gone: a script still
 * passing its flags gets the swarm-mode equivalent instead of a machine that is silently half made.
 */
function checkSwarmFlags(engine: Engine, name: string, values: Readonly<Record<string, OptionValue>>): void {
	const equivalent = `use --swarm-mode manager for a new swarm, or --swarm-mode worker --swarm-manager MANAGER to join one (or "${engine.program} swarm init|join" later)`;
	if (boolOption(values, 'swarm-master'))
		throw new MachinistError(`Error: --swarm-master made a standalone Swarm master, which no longer exists: ${equivalent}`);
	if (boolOption(values, 'swarm')) throw new MachinistError(`Error: --swarm joined a standalone Swarm, which no longer exists: ${equivalent}`);
	if (stringOption(values, 'swarm-discovery'))
		throw new MachinistError(`Error: --swarm-discovery named a discovery service of the standalone Swarm, which swarm mode does not need: ${equivalent}`);
	const mode = stringOption(values, 'swarm-mode');
	const manager = stringOption(values, 'swarm-manager');
	if (mode !== '' && mode !== 'manager' && mode !== 'worker') throw new MachinistError(`Error: --swarm-mode must be manager or worker, not "${mode}"`);
	if (mode === 'worker' && manager === '')
		throw new MachinistError(`Error: --swarm-mode worker needs --swarm-manager MANAGER, the machine whose swarm "${name}" joins`);
	if (mode === '' && manager !== '') throw new MachinistError('Error: --swarm-manager needs --swarm-mode worker or manager');
	if (manager === name) throw new MachinistError(`Error: --swarm-manager names the machine being created; for a new swarm, pass --swarm-mode manager alone`);
}

async function joinSwarmAtCreate(
	engine: Engine,
	name: string,
	values: Readonly<Record<string, OptionValue>>,
	progress: ProgressSink,
	signal?: AbortSignal,
): Promise<void> {
	const mode = stringOption(values, 'swarm-mode');
	if (mode === '') return;
	const manager = stringOption(values, 'swarm-manager');
	const advertiseAddr = stringOption(values, 'swarm-addr') || undefined;
	const cluster = await import('../swarm/cluster.js');
	try {
		await (manager === ''
			? cluster.initCluster(engine, name, {progress, signal, advertiseAddr})
			: cluster.joinCluster(engine, manager, [name], {progress, signal, advertiseAddr, role: mode as 'manager' | 'worker'}));
	} catch (error) {
		const retry = manager === '' ? `swarm init ${name}` : `swarm join --manager ${manager} --role ${mode} ${name}`;
		throw new MachinistError(`${errorMessage(error)} (the machine is created; run "${engine.program} ${retry}" once fixed)`, {cause: error});
	}
}

/**
 * docker-machine's create flow (reference §1.4 create), step by step with its messages. The
 * record is saved before the driver makes anything, so a create that fails later stays listed
 * and can be finished with `provision` or cleaned up with `rm`.
 */
export async function createMachine(
	engine: Engine,
	request: CreateRequest,
	options: {
		progress?: ProgressSink;
		signal?: AbortSignal;
		sshWaitMs?: number;
		/** false: one TLS handshake with the new daemon, not the wait for it to answer (`--no-wait`). */
		waitForDocker?: boolean;
	} = {},
): Promise<HostRecord> {
	const progress = options.progress ?? ignoreProgress;
	assertValidMachineName(request.name);
	const definition = await loadDriverDefinition(request.driverName, engine.env);
	const values = resolveOptions([...createOptionSpecs, ...definition.options], request.given, engine.env);
	checkSwarmFlags(engine, request.name, values);

	if (await engine.store.exists(request.name)) {
		throw new MachinistError(`Docker machine "${request.name}" already exists`);
	}

	let driver;
	try {
		checkOptions(definition.options, values);
		driver = definition.fromOptions(baseDriverConfig(engine.store.root, request.name), values);
		await driver.applyOptions?.(engine.env);
	} catch (error) {
		throw new MachinistError(`Error setting machine configuration from flags provided: ${errorMessage(error)}`);
	}

	if (await worldWritable(engine.store.root)) {
		progress({
			type: 'warning',
			message: `Warning: ${engine.store.root} is writable by every user: any of them could replace the keys and certificates in it; make it yours only (chmod 700), or set MACHINE_STORAGE_PATH to a private directory`,
		});
	}

	return engine.store.withLock(
		request.name,
		async () => {
			// Checked again holding the lock: a create of the same name may have finished meanwhile.
			if (await engine.store.exists(request.name)) {
				throw new MachinistError(`Docker machine "${request.name}" already exists`);
			}

			await bootstrapCertificates(engine, progress);
			const machine: Machine = {
				name: request.name,
				host: hostRecordFor(engine, request, values, driver.config),
				driver,
				dir: engine.store.machineDir(request.name),
				timings: engine.driverTimings[request.driverName],
				env: engine.env,
			};
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
				throw new MachinistError(
					`Error creating machine: Error in driver during machine creation: ${errorMessage(error)}. The machine is kept so that "${engine.program} rm ${request.name}" removes what was made`,
					{cause: error},
				);
			} finally {
				await engine.store.save({...machine.host, Driver: driver.config});
			}

			await copyClientCertificates(engine, machine.dir);
			// docker-machine stops here for `none`: there is no host to provision.
			if (!driver.provisions) return {...machine.host, Driver: driver.config};
			const saved: Machine = {...machine, host: {...machine.host, Driver: driver.config}};
			try {
				progress({type: 'step', message: 'Waiting for machine to be running, this may take a few minutes...'});
				const {waitForState} = await import('./power.js');
				await waitForState(saved, 'Running', {signal: options.signal});
				progress({type: 'step', message: 'Detecting operating system of created instance...'});
				const {provisionMachine} = await import('./provision.js');
				await provisionMachine(engine, saved, {progress, signal: options.signal, sshWaitMs: options.sshWaitMs});
			} catch (error) {
				throw new MachinistError(
					`Error creating machine: Error running provisioning: ${errorMessage(error)}. The machine is kept: fix the cause and run "${engine.program} provision ${request.name}", or remove it with "${engine.program} rm ${request.name}"`,
					{cause: error},
				);
			}

			progress({type: 'step', message: 'Checking connection to Docker...'});
			if (options.waitForDocker === false) {
				const {checkConnection} = await import('../access/connection.js');
				await checkConnection(engine, saved, {signal: options.signal});
			} else {
				const {waitForDocker} = await import('../access/docker-ready.js');
				await waitForDocker(engine, saved, {progress, signal: options.signal});
			}

			progress({type: 'step', message: 'Docker is up and running!'});
			await joinSwarmAtCreate(engine, request.name, values, progress, options.signal);
			return saved.host;
		},
		{operation: 'Creating'},
	);
}
