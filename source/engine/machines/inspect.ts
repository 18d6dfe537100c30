// One machine in depth: what `inspect` prints, and what the app's details view shows.
import {readFile} from 'node:fs/promises';
import {readCertificateInfo} from '../certs/inspect.js';
import type {Engine} from '../engine.js';
import {errorMessage} from '../errors.js';
import type {HostRecord} from '../store/host.js';
import {readNotes} from '../store/notes.js';
import {stateLabel} from '../state.js';
import {driverContext, loadMachine, type Machine} from '../machine.js';
import {tailOfLog} from '../log-tail.js';
import {queryMachine} from './query.js';

/**
 * The record plus what only the machine can tell: docker-machine's inspect showed persisted
 * data alone (#1582), so scripts had to call status and url as well.
 */
export async function inspectMachine(
	engine: Engine,
	machine: Machine,
): Promise<HostRecord & {State: string; URL: string; DockerVersion: string; Error: string; SwarmMode: SwarmModeSummary | null}> {
	const {swarm} = await readNotes(machine.dir);
	// Swarm mode's membership: the cluster, node ID and role the last swarm command recorded.
	const SwarmMode = swarm ? {Cluster: swarm.cluster, NodeID: swarm.nodeId, Role: swarm.role} : null;
	try {
		const status = await queryMachine(engine, machine.host, '');
		return {...machine.host, State: stateLabel(status.state), URL: status.url, DockerVersion: status.dockerVersion, Error: status.error, SwarmMode};
	} catch (error) {
		return {...machine.host, State: 'Error', URL: '', DockerVersion: '', Error: errorMessage(error), SwarmMode};
	}
}

type SwarmModeSummary = {Cluster: string; NodeID: string; Role: string};

export type CertificateSummary = {
	/** The file; for the daemon's own certificate, the daemon's URL. */
	path: string;
	notBefore?: Date;
	notAfter?: Date;
	problem?: string;
	/**
	 * A `none` machine's server certificate is its daemon's, made by whoever set the daemon up;
	 * its dates come from a TLS handshake.
	 */
	fromDaemon?: boolean;
};

/** What the TUI's details pane shows about a machine beyond its status row. */
export type MachineDetails = {
	name: string;
	driverName: string;
	ip: string;
	ssh?: {user: string; port: number; keyPath: string};
	engine: {
		labels: string[];
		flags: string[];
		env: string[];
		insecureRegistries: string[];
		registryMirrors: string[];
		storageDriver: string;
		installUrl: string;
	};
	certificates: {ca: CertificateSummary; client: CertificateSummary; server: CertificateSummary};
	/** Local VMs: the last lines of the serial console log. */
	serialTail?: string[];
	/** The last provisioning failure, until a provision succeeds. */
	lastError?: string;
};

async function summarize(file: string): Promise<CertificateSummary> {
	try {
		return {path: file, notAfter: readCertificateInfo(await readFile(file)).notAfter};
	} catch (error) {
		return {path: file, problem: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : errorMessage(error)};
	}
}

/** How long the details screen waits for a `none` machine's daemon to show its certificate. */
const handshakeTimeoutMs = 5000;

async function presented(engine: Engine, machine: Machine): Promise<CertificateSummary> {
	const {daemonCertificate} = await import('../access/connection.js');
	const {url, ...dates} = await daemonCertificate(engine, machine, {timeoutMs: handshakeTimeoutMs});
	return {path: url, fromDaemon: true, ...dates};
}

export async function machineDetails(engine: Engine, name: string): Promise<MachineDetails> {
	const machine = await loadMachine(engine, name);
	const context = driverContext(machine);
	const options = machine.host.HostOptions.EngineOptions;
	const auth = machine.host.HostOptions.AuthOptions;
	const consoleLog = machine.driver.consoleLog?.(context);
	const [ip, ssh, ca, client, server, notes, serialTail] = await Promise.all([
		machine.driver.getIP(context).catch(() => ''),
		machine.driver.sshDetails(context).catch(() => undefined),
		summarize(auth.CaCertPath),
		summarize(auth.ClientCertPath),
		machine.driver.provisions ? summarize(auth.ServerCertPath) : presented(engine, machine),
		readNotes(machine.dir),
		consoleLog ? tailOfLog(consoleLog, 3) : undefined,
	]);
	return {
		name,
		driverName: machine.host.DriverName,
		ip,
		...(ssh ? {ssh: {user: ssh.user, port: ssh.port, keyPath: ssh.keyPath}} : {}),
		engine: {
			labels: options.Labels,
			flags: options.ArbitraryFlags,
			env: options.Env,
			insecureRegistries: options.InsecureRegistry,
			registryMirrors: options.RegistryMirror ?? [],
			storageDriver: options.StorageDriver,
			installUrl: options.InstallURL,
		},
		certificates: {ca, client, server},
		...(notes.provisionError ? {lastError: notes.provisionError} : {}),
		...(serialTail ? {serialTail} : {}),
	};
}
