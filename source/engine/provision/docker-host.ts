// Turning a reachable Linux host into a TLS-secured Docker host, and upgrading its Docker.
import {readFile} from 'node:fs/promises';
import {checkTlsConnection} from '../certs/check.js';
import {certificateProblems, keyMatchesCertificate, readCertificateInfo} from '../certs/inspect.js';
import {certificateUser} from '../certs/user.js';
import {hostPort, tlsMaterialFor} from '../access/connection.js';
import {copyClientCertificates} from '../certs/bootstrap.js';
import type {Engine} from '../engine.js';
import {MachinistError, errorMessage} from '../errors.js';
import {driverContext, type Machine} from '../machine.js';
import {pause} from '../polling.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import {shellQuote} from '../ssh/quote.js';
import {certificatesLock} from '../store/store.js';
import {daemonArgs, remoteCertPaths, type DaemonSetup} from './daemon.js';
import {detectInitScript, initSystemNamed, type InitSystem} from './init/init-system.js';
import {parseOsRelease, type OsRelease} from './os-release.js';
import {detectProvisioner, type Provisioner} from './provisioner.js';
import {writeIfChanged, type Remote} from './remote.js';

/** What one round trip learns about the host before anything changes on it. */
export type HostFacts = {
	os: OsRelease;
	init: string;
	/** Empty when Docker is not installed. */
	dockerd: string;
	hostname: string;
};

const separator = '--machinist--';
/** Prints the dockerd binary's path, if there is one. */
export const dockerdSearch = `command -v dockerd 2>/dev/null || for p in /usr/bin/dockerd /usr/sbin/dockerd /usr/local/bin/dockerd /usr/local/sbin/dockerd; do if [ -x "$p" ]; then echo "$p"; break; fi; done`;

export async function gatherFacts(remote: Remote, signal?: AbortSignal): Promise<HostFacts> {
	const script = [
		'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
		`echo ${separator}`,
		detectInitScript,
		`echo ${separator}`,
		`(${dockerdSearch}) | head -n 1`,
		`echo ${separator}`,
		'hostname 2>/dev/null || cat /etc/hostname',
	].join('; ');
	const result = await remote.exec(script, {signal});
	const [osText = '', init = '', dockerd = '', hostname = ''] = result.stdout.split(`${separator}\n`);
	if (osText.trim() === '') throw new MachinistError('Error detecting OS: the host has no /etc/os-release');
	return {os: parseOsRelease(osText), init: init.trim(), dockerd: dockerd.trim(), hostname: hostname.trim()};
}

function hostnameScript(name: string): string {
	const quoted = shellQuote(name);
	return [
		// A container may not be allowed to change its kernel hostname; the files still matter.
		`hostname ${quoted} 2>/dev/null || true`,
		String.raw`printf '%s\n' ${quoted} > /etc/hostname`,
		String.raw`if grep -q '^127\.0\.1\.1[[:space:]]' /etc/hosts; then sed -i "s/^127\.0\.1\.1[[:space:]].*/127.0.1.1 "${quoted}"/" /etc/hosts; else printf '127.0.1.1 %s\n' ${quoted} >> /etc/hosts; fi`,
	].join('\n');
}

/**
 * How long installing or upgrading Docker may take: a download of about 80 MB and dpkg unpacking
 * it, on a slow mirror or a busy VM. The same for every way it is installed.
 */
const packageWorkTimeoutMs = 20 * 60_000;

async function installDocker(remote: Remote, provisioner: Provisioner, machine: Machine, progress: ProgressSink, signal?: AbortSignal): Promise<void> {
	const installUrl = machine.host.HostOptions.EngineOptions.InstallURL;
	if (installUrl === 'none') {
		throw new MachinistError(
			`Docker is not installed on ${machine.name} and --engine-install-url none says not to install it: install Docker there, or create the machine with another --engine-install-url`,
		);
	}

	progress({type: 'step', message: 'Installing Docker...'});
	if (installUrl === 'distro') {
		await remote.sudo(provisioner.installPackages([provisioner.dockerPackage]), {signal, timeoutMs: packageWorkTimeoutMs});
		return;
	}

	const url = shellQuote(installUrl);
	// The script is fetched to a file first, so a failed download is a failure, not an empty
	// script that "succeeds" through the pipe.
	await remote.sudo(
		[
			`if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then ${provisioner.installPackages(['curl'])}; fi`,
			`script=$(mktemp)`,
			`if command -v curl >/dev/null 2>&1; then curl -fsSL ${url} -o "$script"; else wget -qO "$script" ${url}; fi`,
			'sh "$script"; status=$?; rm -f "$script"; exit $status',
		].join('\n'),
		{signal, timeoutMs: packageWorkTimeoutMs},
	);
}

/**
 * The machine's server certificate, made anew unless the one it has is current: issued by
 * today's CA, valid for more than the warning period, naming the machine's address and SANs.
 * Returns whether a new one was made.
 */
export async function ensureServerCertificate(engine: Engine, machine: Machine, options: {force?: boolean} = {}): Promise<boolean> {
	const auth = machine.host.HostOptions.AuthOptions;
	const ip = await machine.driver.getIP(driverContext(machine));
	const hosts = [...new Set([...auth.ServerCertSANs, ip, 'localhost'])];
	if (!options.force) {
		try {
			const [certPem, caPem, keyPem] = await Promise.all([readFile(auth.ServerCertPath), readFile(auth.CaCertPath), readFile(auth.ServerKeyPath)]);
			const problems = certificateProblems(certPem, caPem);
			const info = readCertificateInfo(certPem);
			// A key from another pair (a crash between the two writes, a replaced file) would take
			// dockerd down with it: such a pair is made anew.
			if (
				keyMatchesCertificate(certPem, keyPem) &&
				problems.chainsToCa &&
				!problems.expired &&
				!problems.expiresSoon &&
				hosts.every(host => info.sans.includes(host))
			)
				return false;
		} catch {
			// Missing or unreadable: make one.
		}
	}

	const {generateServerCertificate} = await import('../certs/generate.js');
	// The CA is read as a pair under the store's certificate lock, so a concurrent
	// `regenerate-certs --client-certs` cannot give it one file of each generation.
	await engine.store.withLock(certificatesLock, async () =>
		generateServerCertificate({
			caCertPath: auth.CaCertPath,
			caKeyPath: auth.CaPrivateKeyPath,
			serverCertPath: auth.ServerCertPath,
			serverKeyPath: auth.ServerKeyPath,
			org: `${certificateUser(engine.env)}.${machine.name}`,
			hosts,
			clientAuthToo: machine.host.HostOptions.SwarmOptions?.Master,
		}),
	);
	return true;
}

/** Puts the CA and the server certificate where dockerd reads them; true when any changed. */
async function uploadCertificates(remote: Remote, machine: Machine, init: InitSystem, signal?: AbortSignal): Promise<boolean> {
	const auth = machine.host.HostOptions.AuthOptions;
	const paths = init.certDir ? {ca: `${init.certDir}/ca.pem`, cert: `${init.certDir}/server.pem`, key: `${init.certDir}/server-key.pem`} : remoteCertPaths;
	const files: Array<[string, string, number]> = [
		[auth.CaCertPath, paths.ca, 0o644],
		[auth.ServerCertPath, paths.cert, 0o644],
		[auth.ServerKeyPath, paths.key, 0o600],
	];
	const contents = await Promise.all(files.map(async ([local]) => readFile(local, 'utf8')));
	const [, certPem = '', keyPem = ''] = contents;
	if (!keyMatchesCertificate(certPem, keyPem)) {
		throw new MachinistError(
			`${auth.ServerKeyPath} is not the key of ${auth.ServerCertPath}: nothing was uploaded; run "machinist regenerate-certs -f ${machine.name}"`,
		);
	}

	let changed = false;
	for (const [index, [, remotePath, mode]] of files.entries()) {
		if (await writeIfChanged(remote, remotePath, contents[index]!, mode, signal)) changed = true;
	}

	return changed;
}

/** One TLS handshake with the machine's daemon: is it up with the certificates we expect? */
async function daemonAnswers(engine: Engine, machine: Machine, signal?: AbortSignal): Promise<boolean> {
	try {
		const {host, port} = hostPort(await machine.driver.getURL(driverContext(machine, {signal})));
		await checkTlsConnection({host, port, ...(await tlsMaterialFor(engine, machine.host)), timeoutMs: 5000, signal});
		return true;
	} catch {
		signal?.throwIfAborted();
		return false;
	}
}

/** How long dockerd may take to answer over TLS after a restart. */
const daemonWaitMs = 60_000;

/**
 * Waits until the daemon answers a TLS handshake with the machine's certificate (docker-machine
 * looked for a listening port with netstat, 10 × 3 s). A daemon that does not come up fails
 * with its last log lines, which usually say why.
 */
export async function waitForDaemon(
	engine: Engine,
	machine: Machine,
	remote: Remote,
	init: InitSystem,
	options: {signal?: AbortSignal; timeoutMs?: number} = {},
): Promise<void> {
	const url = await machine.driver.getURL(driverContext(machine, {signal: options.signal}));
	const {host, port} = hostPort(url);
	const material = await tlsMaterialFor(engine, machine.host);
	const deadline = Date.now() + (options.timeoutMs ?? daemonWaitMs);
	let delay = 100;
	let lastError: unknown;
	let nextFailureCheck = Date.now() + 2000;
	let gaveUp = false;
	while (Date.now() < deadline) {
		try {
			await checkTlsConnection({host, port, ...material, timeoutMs: 5000, signal: options.signal});
			return;
		} catch (error) {
			options.signal?.throwIfAborted();
			lastError = error;
		}

		// A daemon that died (bad options, say) will not answer: report it now, not in a minute.
		if (Date.now() >= nextFailureCheck) {
			nextFailureCheck = Date.now() + 2000;
			if (await init.failed(remote, options.signal).catch(() => false)) {
				gaveUp = true;
				break;
			}
		}

		await pause(delay, options.signal);
		delay = Math.min(delay * 2, 500);
	}

	const what = gaveUp ? 'dockerd stopped' : `no answer within ${Math.round((options.timeoutMs ?? daemonWaitMs) / 1000)} s`;
	throw await daemonFailure(machine, remote, init, `${what} (${errorMessage(lastError)})`, options.signal);
}

/** The error for a daemon that will not run, with its last log lines, which usually say why. */
async function daemonFailure(machine: Machine, remote: Remote, init: InitSystem, what: string, signal?: AbortSignal): Promise<MachinistError> {
	const logs = await init.recentLogs(remote, signal).catch(() => '');
	const tail = logs ? `; the daemon's last log lines: ${logs.split('\n').slice(-5).join(' | ')}` : '';
	return new MachinistError(`Docker did not come up on ${machine.name}: ${what}${tail}`);
}

export type ProvisionOptions = {
	progress?: ProgressSink;
	signal?: AbortSignal;
	/** regenerate-certs: a new server certificate even if the current one is fine. */
	newServerCertificate?: boolean;
};

/**
 * Turns a reachable Linux host into a TLS-secured Docker host (reference §4.2), idempotently:
 * the hostname, Docker, the certificates and the daemon options are each changed only when they
 * differ from what the host has, and dockerd is restarted only when something changed or it
 * does not answer.
 */
export async function provisionHost(engine: Engine, machine: Machine, remote: Remote, options: ProvisionOptions = {}): Promise<void> {
	const progress = options.progress ?? ignoreProgress;
	const {signal} = options;
	progress({type: 'step', message: 'Detecting the provisioner...'});
	const facts = await gatherFacts(remote, signal);
	const provisioner = await detectProvisioner(facts.os);
	const init = await initSystemNamed(facts.init);
	progress({type: 'step', message: `Provisioning with ${provisioner.name}...`});

	if (facts.hostname !== machine.name) await remote.sudo(hostnameScript(machine.name), {signal});

	let {dockerd} = facts;
	if (!dockerd) {
		await installDocker(remote, provisioner, machine, progress, signal);
		dockerd = (await remote.exec(`(${dockerdSearch}) | head -n 1`, {signal})).stdout.trim();
		if (!dockerd)
			throw new MachinistError(
				`Docker was installed on ${machine.name} but no dockerd binary is there; check --engine-install-url ${machine.host.HostOptions.EngineOptions.InstallURL}`,
			);
	}

	progress({type: 'step', message: 'Copying certs to the local machine directory...'});
	await copyClientCertificates(engine, machine.dir);
	await ensureServerCertificate(engine, machine, {force: options.newServerCertificate});
	progress({type: 'step', message: 'Copying certs to the remote machine...'});
	const certificatesChanged = await uploadCertificates(remote, machine, init, signal);

	progress({type: 'step', message: 'Setting Docker configuration on the remote daemon...'});
	const enginePort = Number(new URL(await machine.driver.getURL(driverContext(machine, {signal}))).port || 2376);
	const setup: DaemonSetup = {
		dockerd,
		args: daemonArgs(machine.host.HostOptions.EngineOptions, machine.host.DriverName, enginePort, await init.localSocket(remote, signal)),
		env: machine.host.HostOptions.EngineOptions.Env,
	};
	const configChanged = await init.configure(remote, setup, signal);
	const unchanged = !certificatesChanged && !configChanged;
	if (unchanged && (await daemonAnswers(engine, machine, signal))) return;
	// A new local VM's seed configured dockerd as we would: its first start, still under way, is the one.
	if (unchanged && (await init.startingUp?.(remote, signal).catch(() => false))) {
		try {
			await waitForDaemon(engine, machine, remote, init, {signal, timeoutMs: machine.timings?.dockerRestartMs ?? 300_000});
			return;
		} catch {
			signal?.throwIfAborted();
		}
	}

	try {
		await init.restart(remote, signal, machine.timings?.dockerRestartMs);
	} catch {
		signal?.throwIfAborted();
		throw await daemonFailure(machine, remote, init, 'dockerd stopped (its restart failed)', signal);
	}

	await waitForDaemon(engine, machine, remote, init, {signal});
}

/**
 * upgrade: the package that provides dockerd is upgraded with the distribution's package
 * manager (whether it came from get.docker.com or the distribution), then dockerd restarted.
 */
export async function upgradeDocker(
	engine: Engine,
	machine: Machine,
	remote: Remote,
	options: {progress?: ProgressSink; signal?: AbortSignal} = {},
): Promise<void> {
	const progress = options.progress ?? ignoreProgress;
	const {signal} = options;
	const facts = await gatherFacts(remote, signal);
	const provisioner = await detectProvisioner(facts.os);
	const init = await initSystemNamed(facts.init);
	if (!facts.dockerd) throw new MachinistError(`Docker is not installed on ${machine.name}: run "${engine.program} provision ${machine.name}" to install it`);
	progress({type: 'step', message: 'Upgrading docker...'});
	await remote.sudo(provisioner.upgradePackageOf(facts.dockerd), {signal, timeoutMs: packageWorkTimeoutMs});
	progress({type: 'step', message: 'Restarting docker...'});
	await init.restart(remote, signal, machine.timings?.dockerRestartMs);
	await waitForDaemon(engine, machine, remote, init, {signal});
}
