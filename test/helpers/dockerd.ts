/**
 * A real dockerd on loopback, with TLS, for tests. Each instance gets its own data root, exec
 * root, pid file, config file, trust key and unix socket, so several can run side by side and
 * none touches /var/lib/docker, /etc/docker or a system daemon.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {accessSync, constants, readFileSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {generateServerCertificate} from '../../source/engine/certs/generate.js';
import {createEngine, type Engine} from '../../source/engine/index.js';
import {bootstrapCertificates} from '../../source/engine/certs/bootstrap.js';
import {freePort} from '../../source/engine/vm/ports.js';
import {waitFor} from './wait.js';

export type RunningDockerd = {
	/** `tcp://127.0.0.1:PORT`, TLS with client verification. */
	url: string;
	port: number;
	/** The dockerd process. */
	pid: number;
	/** The plain unix socket, for setup that needs no TLS. */
	socketPath: string;
	/** Milliseconds from spawn until the API answered. */
	startMs: number;
	stop(): Promise<void>;
	/** Everything dockerd (and its containerd) printed, most recent 256 kB. */
	logs(): string;
};

export type StartDockerdOptions = {
	serverCertPath: string;
	serverKeyPath: string;
	caCertPath: string;
	/** How long to wait for the API; default 60 s. */
	timeoutMs?: number;
	/** Where the API listens: another loopback address, a fixed port (default 127.0.0.1, a free port). */
	host?: string;
	port?: number;
	/** A containerd socket to use instead of the one dockerd starts (sharedContainerd): many daemons, one containerd. */
	containerd?: string;
};

const maxLogChars = 256 * 1024;
const running = new Set<ChildProcess>();

function findDockerd(): string | undefined {
	const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
	for (const dir of dirs) {
		if (dir === '') continue;
		const candidate = path.join(dir, 'dockerd');
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {}
	}

	return undefined;
}

export function dockerdAvailable(): {ok: true} | {ok: false; why: string} {
	if (process.platform !== 'linux') return {ok: false, why: `dockerd tests need Linux, not ${process.platform}`};
	if (!findDockerd()) return {ok: false, why: 'dockerd was not found on PATH or in /usr/sbin; install docker.io (Debian) or docker-ce'};
	if (process.getuid?.() !== 0) return {ok: false, why: 'dockerd needs root; run the tests as root (CI does)'};
	return {ok: true};
}

/** GET /_ping on the unix socket: it answers only once the daemon has finished starting. */
async function pingUnix(socketPath: string): Promise<boolean> {
	return new Promise(resolve => {
		const request = http.get({socketPath, path: '/_ping', timeout: 1000}, response => {
			response.resume();
			resolve(response.statusCode === 200);
		});
		request.once('error', () => {
			resolve(false);
		});
		request.once('timeout', () => {
			request.destroy();
			resolve(false);
		});
	});
}

async function canConnect(host: string, port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host, port});
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => {
			resolve(false);
		});
	});
}

function lastLines(text: string, count: number): string {
	return text.trimEnd().split('\n').slice(-count).join('\n');
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
	if (child.exitCode !== null || child.signalCode !== null) return true;
	return new Promise(resolve => {
		const timer = setTimeout(() => {
			child.off('exit', onExit);
			resolve(false);
		}, ms);
		const onExit = (): void => {
			clearTimeout(timer);
			resolve(true);
		};

		child.once('exit', onExit);
	});
}

// A crashed test process must not leave daemons behind; 'exit' handlers can only be synchronous.
process.once('exit', () => {
	for (const child of running) child.kill('SIGKILL');
});

export async function startDockerd(opts: StartDockerdOptions): Promise<RunningDockerd> {
	const available = dockerdAvailable();
	if (!available.ok) throw new Error(available.why);
	const dockerd = findDockerd()!;

	if (opts.port !== undefined) return startOnce(dockerd, opts, opts.port);
	// Another process can grab the port between our probe and dockerd's bind; try a few.
	let lastError: Error | undefined;
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			return await startOnce(dockerd, opts, await freePort());
		} catch (error) {
			lastError = error as Error;
			if (!lastError.message.includes('address already in use')) throw lastError;
		}
	}

	throw lastError ?? new Error('dockerd did not start');
}

async function startOnce(dockerd: string, opts: StartDockerdOptions, port: number): Promise<RunningDockerd> {
	const host = opts.host ?? '127.0.0.1';
	// Short: the unix sockets inside (ours, containerd's) must fit in 108 bytes.
	const dir = await mkdtemp('/tmp/md-');
	const suffix = path.basename(dir).slice('md-'.length);
	const socketPath = path.join(dir, 's');
	const execRoot = path.join(dir, 'x');
	const configFile = path.join(dir, 'c.json');
	// Without this, dockerd 20.10 creates /etc/docker/key.json, shared by every instance.
	await writeFile(configFile, JSON.stringify({'deprecated-key-path': path.join(dir, 'k.json')}));

	const args = [
		// Our own config file: a host /etc/docker/daemon.json (e.g. with "hosts") would clash.
		`--config-file=${configFile}`,
		`--data-root=${path.join(dir, 'd')}`,
		`--exec-root=${execRoot}`,
		`--pidfile=${path.join(dir, 'p')}`,
		`-H=unix://${socketPath}`,
		`-H=tcp://${host}:${port}`,
		'--tlsverify',
		`--tlscacert=${opts.caCertPath}`,
		`--tlscert=${opts.serverCertPath}`,
		`--tlskey=${opts.serverKeyPath}`,
		// dockerd 20.10 starts its own containerd (under the exec root) unless a system one listens
		// on /run/containerd/containerd.sock, as on CI runners with Docker installed. Then all our
		// daemons share it, and their own namespaces keep their events and state apart.
		...(opts.containerd ? [`--containerd=${opts.containerd}`] : []),
		`--containerd-namespace=machinist-test-${suffix}`,
		`--containerd-plugins-namespace=machinist-test-${suffix}-plugins`,
		// No docker0 bridge and no iptables rules: nothing global that a second daemon would fight over.
		'--bridge=none',
		'--iptables=false',
		'--ip6tables=false',
		'--ip-masq=false',
		// Leaves this machine's net.ipv4.ip_forward as it found it: tests must not depend on it.
		'--ip-forward=false',
	];

	const started = Date.now();
	const child = spawn(dockerd, args, {
		stdio: ['ignore', 'pipe', 'pipe'],
		// Nothing from the test process's environment: dockerd reads DOCKER_CERT_PATH, DOCKER_TLS_VERIFY,
		// DOCKER_TMPDIR, DOCKER_CONFIG, HTTP(S)_PROXY and more from it, and a developer's shell may set them.
		env: {PATH: `${path.dirname(dockerd)}:/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin`, LANG: 'C.UTF-8'},
	});
	running.add(child);

	let log = '';
	const append = (chunk: Buffer): void => {
		log += chunk.toString('utf8');
		if (log.length > maxLogChars) log = log.slice(-maxLogChars);
	};

	child.stdout.on('data', append);
	child.stderr.on('data', append);
	let spawnError: Error | undefined;
	child.once('error', error => {
		spawnError = error;
	});
	child.once('exit', () => {
		running.delete(child);
	});

	let stopped = false;
	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		const containerdPid = readPid(path.join(execRoot, 'containerd', 'containerd.pid'));
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			if (!(await waitForExit(child, 15_000))) {
				child.kill('SIGKILL');
				await waitForExit(child, 5000);
			}
		}

		running.delete(child);
		// dockerd stops the containerd it started, except when it was killed.
		if (containerdPid !== undefined && isAlive(containerdPid) && processMentions(containerdPid, dir)) {
			process.kill(containerdPid, 'SIGKILL');
		}

		await rm(dir, {recursive: true, force: true, maxRetries: 5, retryDelay: 100});
	};

	try {
		await waitFor('dockerd: its API', async () => (await pingUnix(socketPath)) && canConnect(host, port), {
			timeoutMs: opts.timeoutMs ?? 60_000,
			intervalMs: 50,
			failure() {
				if (spawnError) return spawnError.message;
				if (child.exitCode !== null || child.signalCode !== null)
					return `dockerd exited (${child.exitCode ?? child.signalCode}) while starting:\n${lastLines(log, 20)}`;
				return undefined;
			},
			detail: () => lastLines(log, 20),
		});
	} catch (error) {
		await stop();
		throw error;
	}

	return {
		url: `tcp://${host}:${port}`,
		port,
		pid: child.pid!,
		socketPath,
		startMs: Date.now() - started,
		stop,
		logs: () => log,
	};
}

function readPid(file: string): number | undefined {
	try {
		const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
		return Number.isInteger(pid) && pid > 0 ? pid : undefined;
	} catch {
		return undefined;
	}
}

/** Guards against a recycled pid: only kill a process whose command line names our directory. */
function processMentions(pid: number, text: string): boolean {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
	} catch {
		return false;
	}
}

/**
 * A store with its CA and client certificate bootstrapped, and a real TLS dockerd on loopback
 * whose server certificate that CA signed (files in `scratchDir`), for tests, benchmarks and the
 * screenshots alike; the caller stops it.
 */
export async function startStoreDockerd(
	store: string,
	env: NodeJS.ProcessEnv,
	scratchDir: string,
	org = 'tester.daemon',
): Promise<{engine: Engine; dockerd: RunningDockerd}> {
	const engine = createEngine({storagePath: store, env});
	await bootstrapCertificates(engine);
	const serverFiles = {
		caCertPath: engine.certPaths.caCert,
		caKeyPath: engine.certPaths.caKey,
		serverCertPath: path.join(scratchDir, 'server.pem'),
		serverKeyPath: path.join(scratchDir, 'server-key.pem'),
	};
	await generateServerCertificate({...serverFiles, org, hosts: ['127.0.0.1', 'localhost']});
	const dockerd = await startDockerd(serverFiles);
	return {engine, dockerd};
}

/** startStoreDockerd, with the daemon stopped when the test ends. */
export async function storeWithDockerd(
	t: ExecutionContext,
	store: string,
	env: NodeJS.ProcessEnv,
	scratchDir: string,
	org?: string,
): Promise<{engine: Engine; dockerd: RunningDockerd}> {
	const started = await startStoreDockerd(store, env, scratchDir, org);
	t.teardown(async () => started.dockerd.stop());
	return started;
}
