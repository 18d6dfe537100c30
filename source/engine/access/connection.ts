// Reaching a machine's Docker daemon from here: the TLS connection check, env's variables, url, version.
import {accessSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {checkTlsConnection, TlsCheckError} from '../certs/check.js';
import {certificateProblems} from '../certs/inspect.js';
import type {DockerClient, DockerVersion} from '../docker/client.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {driverContext, type Machine} from '../machine.js';
import type {HostRecord, SwarmOptions} from '../store/host.js';
import {privateFileMode, writeFileAtomic} from '../store/files.js';
import {noProxyVariable} from './no-proxy.js';

export type TlsMaterial = {caPem: Buffer; certPem: Buffer; keyPem: Buffer};

/** Reads of the same file within one process share one promise (ls reads the global certs once). */
const fileReads = new Map<string, Promise<Buffer>>();

async function readOnce(file: string): Promise<Buffer> {
	let read = fileReads.get(file);
	if (!read) {
		// Read synchronously, like the store (see Store.names): a few small local files.
		read = new Promise<Buffer>(resolve => {
			resolve(readFileSync(file));
		});
		fileReads.set(file, read);
		read.catch(() => fileReads.delete(file));
	}

	return read;
}

const roles = {CaCertPath: 'CA certificate', ClientCertPath: 'client certificate', ClientKeyPath: 'client key'} as const;

/**
 * The CA and client certificate the machine's record names (the global ones, as docker-machine
 * uses for its checks). A missing file gets a message saying what it is and what to run.
 */
export async function tlsMaterialFor(engine: Engine, host: HostRecord): Promise<TlsMaterial> {
	const auth = host.HostOptions.AuthOptions;
	const read = async (field: keyof typeof roles) => {
		const file = auth[field];
		try {
			return await readOnce(file);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
				throw new MachinistError(
					`the ${roles[field]} ${file} is missing: restore it, or run "${engine.program} regenerate-certs --client-certs ${host.Name}" to make new ones`,
				);
			}

			throw new MachinistError(`cannot read the ${roles[field]} ${file}: ${errorMessage(error)}`);
		}
	};

	const [caPem, certPem, keyPem] = await Promise.all([read('CaCertPath'), read('ClientCertPath'), read('ClientKeyPath')]);
	return {caPem, certPem, keyPem};
}

export function hostPort(url: string): {host: string; port: number} {
	const parsed = new URL(url);
	return {host: parsed.hostname.replaceAll(/^\[|\]$/g, ''), port: Number(parsed.port || 2376)};
}

/**
 * Problems with the CA and client certificate that a handshake would only report as a bare
 * "bad certificate": expired, not from this CA. Certificates close to expiry are warnings.
 */
function clientCertificateReport(engine: Engine, host: HostRecord, material: TlsMaterial): {problem?: string; warnings: string[]} {
	const auth = host.HostOptions.AuthOptions;
	const renew = `run "${engine.program} regenerate-certs --client-certs ${host.Name}"`;
	const client = certificateProblems(material.certPem, material.caPem);
	const ca = certificateProblems(material.caPem, material.caPem);
	if (ca.expired) return {problem: `the CA certificate ${auth.CaCertPath} has expired: ${renew}`, warnings: []};
	if (client.expired) return {problem: `the client certificate ${auth.ClientCertPath} has expired: ${renew}`, warnings: []};
	if (!client.chainsToCa)
		return {problem: `the client certificate ${auth.ClientCertPath} was not issued by the CA ${auth.CaCertPath}: ${renew}`, warnings: []};
	const warnings: string[] = [];
	if (ca.expiresSoon) warnings.push(`Warning: the CA certificate ${auth.CaCertPath} expires in ${ca.daysLeft} days: ${renew}`);
	else if (client.expiresSoon) warnings.push(`Warning: the client certificate ${auth.ClientCertPath} expires in ${client.daysLeft} days: ${renew}`);
	return {warnings};
}

/**
 * docker-machine's connection check (`env`, `config`, end of `create`): the daemon must answer
 * a TLS handshake with a certificate our CA signed for the address we use. Returns the URL and
 * warnings (certificates about to expire). Errors carry docker-machine's wording, which scripts
 * match, minus the command's own prefix.
 */
export async function checkConnection(
	engine: Engine,
	machine: Machine,
	options: {swarm?: boolean; signal?: AbortSignal} = {},
): Promise<{url: string; warnings: string[]}> {
	const state = await machine.driver.getState(driverContext(machine, {signal: options.signal}));
	if (state !== 'Running') throw new MachinistError('Host is not running');
	let url = await machine.driver.getURL(driverContext(machine, {signal: options.signal}));
	if (options.swarm) url = swarmUrl(machine, url);
	const material = await tlsMaterialFor(engine, machine.host).catch((error: unknown) => {
		throw new MachinistError(`Error checking and/or regenerating the certs: ${errorMessage(error)}`);
	});
	const report = clientCertificateReport(engine, machine.host, material);
	if (report.problem) throw new MachinistError(`Error checking and/or regenerating the certs: ${report.problem}`);
	const {host, port} = hostPort(url);
	try {
		await checkTlsConnection({host, port, ...material, signal: options.signal});
	} catch (error) {
		throw new MachinistError(
			[
				`Error checking and/or regenerating the certs: ${errorMessage(error)}`,
				`You can attempt to regenerate them using '${engine.program} regenerate-certs [name]'.`,
				'Be advised that this will trigger a Docker daemon restart which might stop running containers.',
			].join('\n'),
		);
	}

	return {url, warnings: report.warnings};
}

/**
 * The certificate a machine's daemon presents, read from a handshake with the machine's
 * certificates: for a `none` machine the daemon's own, which the store holds no copy of.
 */
export async function daemonCertificate(
	engine: Engine,
	machine: Machine,
	options: {timeoutMs?: number; signal?: AbortSignal} = {},
): Promise<{url: string; notBefore?: Date; notAfter?: Date; problem?: string}> {
	let url = '';
	try {
		url = await machine.driver.getURL(driverContext(machine, {signal: options.signal}));
		const dates = await checkTlsConnection({...hostPort(url), ...(await tlsMaterialFor(engine, machine.host)), ...options});
		return {url, ...dates};
	} catch (error) {
		return {url, problem: error instanceof TlsCheckError ? error.reason : errorMessage(error)};
	}
}

/** The engine URL with the port of --swarm-host: where a swarm master's manager listens. */
export function swarmAddress(engineUrl: string, swarm: SwarmOptions): string {
	const swarmPort = new URL(swarm.Host.replace(/^tcp:/, 'http:')).port || '3376';
	const url = new URL(engineUrl);
	url.port = swarmPort;
	return url.toString().replace(/\/$/, '');
}

/** The swarm master's URL (`env --swarm`, `config --swarm`); other machines have none. */
export function swarmUrl(machine: Machine, engineUrl: string): string {
	const swarm = machine.host.HostOptions.SwarmOptions;
	if (!swarm?.Master) {
		throw new MachinistError(`"${machine.name}" is not a swarm master. The --swarm flag is intended for use with swarm masters`);
	}

	return swarmAddress(engineUrl, swarm);
}

const clientFiles = {'ca.pem': 'caPem', 'cert.pem': 'certPem', 'key.pem': 'keyPem'} as const;

/**
 * Puts the files the docker CLI reads from DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem) into
 * `dir` where they are missing, copied from the CA and client certificate the record names.
 * docker-machine never wrote them for `none` machines, so its own `env` gave a docker that
 * failed. Returns a one-line note of what was copied, or undefined when nothing was missing.
 */
export async function repairClientFiles(engine: Engine, machine: Machine, dir = machine.dir): Promise<string | undefined> {
	const missing: Array<keyof typeof clientFiles> = [];
	for (const name of Object.keys(clientFiles) as Array<keyof typeof clientFiles>) {
		try {
			accessSync(path.join(dir, name));
		} catch {
			missing.push(name);
		}
	}

	if (missing.length === 0) return undefined;
	const material = await tlsMaterialFor(engine, machine.host);
	try {
		for (const name of missing) await writeFileAtomic(path.join(dir, name), material[clientFiles[name]], privateFileMode);
	} catch (error) {
		throw new MachinistError(`cannot copy ${missing.join(', ')} into ${dir} for the docker CLI: ${errorMessage(error)}`);
	}

	const certsDir = path.dirname(machine.host.HostOptions.AuthOptions.CaCertPath);
	return `Copied ${missing.join(', ')} from ${certsDir} into ${dir}: the docker CLI reads them there`;
}

/**
 * What `config` prints: the checked URL and the directory holding the client files, repaired
 * when a docker-machine `none` machine lacks them (the note says so).
 */
export async function connectionConfig(
	engine: Engine,
	machine: Machine,
	options: {swarm?: boolean; signal?: AbortSignal} = {},
): Promise<{url: string; certDir: string; warnings: string[]}> {
	const {url, warnings} = await checkConnection(engine, machine, options);
	const certDir = machine.host.HostOptions.AuthOptions.StorePath || machine.dir;
	const note = await repairClientFiles(engine, machine, certDir);
	return {url, certDir, warnings: note ? [note, ...warnings] : warnings};
}

export async function dockerClientFor(engine: Engine, machine: Machine, url: string, timeoutMs?: number): Promise<DockerClient> {
	// Loaded on first use: node:https is not needed by env and config, which only handshake.
	const [{DockerClient: Client}, material] = await Promise.all([import('../docker/client.js'), tlsMaterialFor(engine, machine.host)]);
	return new Client({url, ...material, ...(timeoutMs === undefined ? {} : {timeoutMs})});
}

export async function dockerVersion(engine: Engine, machine: Machine, options: {signal?: AbortSignal} = {}): Promise<DockerVersion> {
	const state = await machine.driver.getState(driverContext(machine, options));
	if (state !== 'Running') throw new MachinistError('Host is not running');
	const url = await machine.driver.getURL(driverContext(machine, options));
	const client = await dockerClientFor(engine, machine, url);
	return client.version(options.signal);
}

/** The daemon URL of a running machine (`url`); a stopped one has none. */
export async function machineUrl(machine: Machine, signal?: AbortSignal): Promise<string> {
	const context = driverContext(machine, {signal});
	const state = await machine.driver.getState(context);
	if (state !== 'Running') throw new MachinistError('Host is not running');
	return machine.driver.getURL(context);
}

/**
 * The variables that point the docker CLI at a machine (what `env` prints and the TUI copies),
 * after the connection check. Errors have docker-machine's wording without a command prefix.
 */
export async function dockerEnvironment(
	engine: Engine,
	machine: Machine,
	options: {swarm?: boolean; noProxy?: boolean; signal?: AbortSignal} = {},
): Promise<{variables: Array<readonly [string, string]>; warnings: string[]}> {
	const checked = await checkConnection(engine, machine, options);
	const {url} = checked;
	const note = await repairClientFiles(engine, machine);
	const warnings = note ? [note, ...checked.warnings] : checked.warnings;

	const variables: Array<readonly [string, string]> = [
		['DOCKER_TLS_VERIFY', '1'],
		['DOCKER_HOST', url],
		['DOCKER_CERT_PATH', machine.dir],
		['DOCKER_MACHINE_NAME', machine.name],
	];
	if (process.platform === 'win32') variables.push(['COMPOSE_CONVERT_WINDOWS_PATHS', 'true']);
	if (options.noProxy) variables.push(noProxyVariable(engine.env, new URL(url).hostname));
	return {variables, warnings};
}
