/**
 * startTestHost: one disposable host (see ../hosts.ts for what it is and why it is set up so),
 * from the overlay over the cached image to a booted container whose sshd answers.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {readFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {waitFor} from '../wait.js';
import {cgroupDirsOf, cgroupHierarchies, createHostCgroups} from './cgroups.js';
import {allocate, cleanupStale, destroySync, killHostSync, removeNetworkSync, updateClaim, type HostRecord} from './claims.js';
import {ensureRootfs, rootfsPath} from './image.js';
import {createHostNetwork, hostAddress, machineAddress} from './network.js';
import {childrenOf, comm, commandExists, errorCode, lastLines, readLink, run, runChecked, systemPath, type ExecResult} from './process.js';

export type TestHostKind = 'systemd' | 'no-init';
export type TestHostUser = 'root' | 'deploy' | 'needpw';

export type TestHost = {
	/** Unique among running hosts, `mt-<pid>-<n>`: also the host name, netns and machine name. */
	name: string;
	/** Where the test process reaches it: 10.200.N.2. */
	ip: string;
	/** Where it reaches this machine, the other end of its link: 10.200.N.1. */
	machineAddress: string;
	kind: TestHostKind;
	/** The host's root directory (the merged overlay), for planting files and for assertions. */
	rootfs: string;
	/**
	 * Appends a public key (an authorized_keys line, options allowed) to the user's
	 * ~/.ssh/authorized_keys: one of the image's users, or one made in the host since.
	 */
	authorizeKey(user: TestHostUser | (string & Record<never, never>), publicKey: string): Promise<void>;
	/**
	 * Runs `sh -c command` as root inside the host (its namespaces and cgroups, not over ssh),
	 * with a clean environment. Resolves once stdout and stderr close, so a command that starts a
	 * daemon must redirect the daemon's output.
	 */
	exec(command: string, options?: {input?: string}): Promise<ExecResult>;
	/** `SHA256:…` fingerprints of the host's sshd host keys, sorted by key file name. */
	hostKeyFingerprints(): Promise<string[]>;
	/** Replaces every host key and restarts sshd; resolves when the new sshd answers. */
	regenerateHostKeys(): Promise<void>;
	/** Stops sshd's listener (open sessions survive); resolves when port 22 refuses connections. */
	stopSshd(): Promise<void>;
	/** Starts sshd; resolves when it answers with its banner. */
	startSshd(): Promise<void>;
	/**
	 * Whether the host runs: false from the moment a shutdown, power-off or reboot begins until
	 * the boot after it is done.
	 */
	isOn(): boolean;
	/**
	 * What the power button or `poweroff` does on a real machine (systemd hosts only): systemd
	 * stops every unit, dockerd with its containers among them, and the machine goes off. One
	 * that does not go off within `timeoutMs` (default 60 s) has its plug pulled. Resolves when
	 * it is off: no process left, and no network (10.200.N.2 answers nothing, not even ping), while
	 * its disk (the overlay, docker data, host and authorized keys) stays as it was.
	 */
	shutdown(options?: {timeoutMs?: number}): Promise<void>;
	/** Pulls the plug (systemd hosts only): every process dies at once, as in a power cut; the disk stays. */
	powerOff(): Promise<void>;
	/**
	 * Boots a host that is off, as a real machine boots: a fresh network namespace with the same
	 * address, systemd as PID 1, and the units enabled on its disk (sshd, docker.service with
	 * whatever drop-ins provisioning left). Resolves when sshd answers; later units may still start.
	 */
	boot(): Promise<void>;
	/** `systemctl reboot` inside, then the boot: resolves when sshd answers again. */
	reboot(): Promise<void>;
	/** The container's console (nspawn and, on a no-init host, what PID 1 printed), over every boot. */
	logs(): string;
	/** Kills everything in the host and removes all its traces, whether on or off; idempotent. */
	stop(): Promise<void>;
};

export type StartTestHostOptions = {
	/** How long to wait for sshd; default 60 s. */
	readyTimeoutMs?: number;
	/**
	 * false: a host where Docker was never installed. docker.io, containerd and runc are purged
	 * before it boots (the libraries, iptables and tini they brought stay), so provisioning has
	 * to install Docker. Default true.
	 */
	docker?: boolean;
};

/** Whether this machine can run test hosts, and if not, what to install or change. */
export function testHostsAvailable(): {ok: true} | {ok: false; why: string} {
	if (process.platform !== 'linux') return {ok: false, why: `test hosts need Linux, not ${process.platform}`};
	if (process.getuid?.() !== 0)
		return {ok: false, why: 'test hosts need root (network namespaces, overlay mounts, systemd-nspawn); run the tests as root (CI does)'};
	const needed: Array<[string, string]> = [
		['systemd-nspawn', 'systemd-container'],
		['ip', 'iproute2'],
		['nsenter', 'util-linux'],
		['flock', 'util-linux'],
		['mount', 'mount'],
		['tar', 'tar'],
	];
	if (!fs.existsSync(rootfsPath)) needed.push(['debootstrap', 'debootstrap']);
	const missing = needed.filter(([command]) => !commandExists(command)).map(([, pkg]) => pkg);
	if (!fs.existsSync(rootfsPath) && !fs.existsSync('/usr/share/keyrings/debian-archive-keyring.gpg')) missing.push('debian-archive-keyring');
	if (missing.length > 0) {
		return {ok: false, why: `test hosts need: apt-get install -y ${[...new Set(missing)].join(' ')}`};
	}

	if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n')) return {ok: false, why: 'test hosts need overlayfs in the kernel'};
	try {
		cgroupHierarchies();
	} catch (error) {
		return {ok: false, why: `test hosts need cgroups: ${(error as Error).message}`};
	}

	return {ok: true};
}

type Running = {record: HostRecord; leader: number | undefined; stopped: boolean};

const running = new Set<Running>();
let sequence = 0;

function stopAllSync(): void {
	for (const host of running) {
		host.stopped = true;
		destroySync(host.record, host.leader);
	}

	running.clear();
}

// A test process that ends without stopping its hosts (a failed assertion before teardown, a
// crash) must not leave containers running: SIGKILL to nspawn alone would not stop them.
process.once('exit', stopAllSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.once(signal, () => {
		stopAllSync();
		// Die of the same signal, as the default action would have.
		process.kill(process.pid, signal);
	});
}

async function sshAnswers(ip: string): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host: ip, port: 22});
		let data = '';
		const done = (result: boolean): void => {
			socket.destroy();
			resolve(result);
		};

		socket.setTimeout(2000, () => {
			done(false);
		});
		socket.on('data', chunk => {
			data += chunk.toString('latin1');
			if (data.includes('\n')) done(data.startsWith('SSH-'));
		});
		socket.once('error', () => {
			done(false);
		});
		socket.once('close', () => {
			done(false);
		});
	});
}

async function portRefuses(ip: string): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host: ip, port: 22});
		socket.once('connect', () => {
			socket.destroy();
			resolve(false);
		});
		socket.once('error', error => {
			resolve(errorCode(error) === 'ECONNREFUSED');
		});
	});
}

function readPasswd(rootfs: string, user: string): {uid: number; gid: number; home: string} {
	for (const line of fs.readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8').split('\n')) {
		const fields = line.split(':');
		if (fields[0] === user) return {uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '/'};
	}

	throw new Error(`no user ${user} in ${rootfs}/etc/passwd`);
}

/** OpenSSH's SHA256 fingerprint of a public key line: base64 (no padding) of sha256 of the key blob. */
function fingerprint(publicKeyLine: string): string {
	const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
	return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Starts a host and resolves once its sshd answers (one to two seconds for either kind). On a
 * systemd host, units after sshd (docker.service among them) may still be starting then.
 */
export async function startTestHost(kind: TestHostKind, options: StartTestHostOptions = {}): Promise<TestHost> {
	const available = testHostsAvailable();
	if (!available.ok) throw new Error(available.why);
	const lower = await ensureRootfs();
	await cleanupStale();

	const name = `mt-${process.pid}-${++sequence}`;
	const record = await allocate(name);
	const ip = hostAddress(record.n);
	const state: Running = {record, leader: undefined, stopped: false};
	running.add(state);
	let stopping: Promise<void> | undefined;
	const stop = async (): Promise<void> => {
		stopping ??= (async () => {
			state.stopped = true;
			running.delete(state);
			const leftovers = destroySync(record, state.leader);
			if (leftovers.length > 0) throw new Error(`test host ${name} left behind: ${leftovers.join('; ')}`);
		})();
		return stopping;
	};

	const consolePath = path.join(record.dir, 'console.log');
	const logs = (): string => {
		try {
			return fs.readFileSync(consolePath, 'utf8');
		} catch {
			return '';
		}
	};

	const timeoutMs = options.readyTimeoutMs ?? 60_000;
	/** The nspawn of the current boot; undefined while the host is off. */
	let nspawn: ChildProcess | undefined;
	let spawnError: Error | undefined;
	const exited = (): string | undefined => {
		if (state.stopped) return `test host ${name} was stopped`;
		if (spawnError) return `systemd-nspawn did not start: ${spawnError.message}`;
		if (nspawn && (nspawn.exitCode !== null || nspawn.signalCode !== null)) {
			return `test host ${name} exited (${nspawn.exitCode ?? nspawn.signalCode}):\n${lastLines(logs(), 30)}`;
		}

		return undefined;
	};

	const nspawnArgs = [
		`--directory=${record.merged}`,
		`--machine=${name}`,
		`--hostname=${name}`,
		`--network-namespace-path=/run/netns/${name}`,
		'--capability=all',
		'--system-call-filter=@keyring',
		`--bind=${path.join(record.dir, 'docker')}:/var/lib/docker`,
		// No systemd-machined and no systemd unit around us: do not try to register or make a scope.
		'--register=no',
		'--keep-unit',
		// UIDs inside are the UIDs outside, so files planted through `rootfs` have the right owners.
		'--private-users=no',
		'--resolv-conf=off',
		'--timezone=off',
		'--link-journal=no',
		...(kind === 'systemd'
			? // read-only: a pty for systemd's console whose output we log.
				['--boot', '--console=read-only']
			: // tini only reaps zombies; sleep keeps it (and so the container) alive while sshd is
				// stopped, which a container with sshd as PID 1 could not survive.
				['--console=pipe', '/usr/bin/tini', '--', '/bin/sleep', 'infinity']),
	];

	/** Starts the container; resolves once its PID 1 (the leader, which exec enters) runs init. */
	const launch = async (): Promise<void> => {
		const consoleFd = fs.openSync(consolePath, 'a');
		let child: ChildProcess;
		spawnError = undefined;
		try {
			// Join the host's cgroups before becoming nspawn, so that the container is born in them.
			child = spawn(
				'/bin/sh',
				['-c', 'for d in $MT_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 125; done; exec "$@"', 'mt-join', 'systemd-nspawn', ...nspawnArgs],
				{
					stdio: ['ignore', consoleFd, consoleFd],
					detached: true,
					env: {PATH: systemPath, LANG: 'C.UTF-8', MT_CGROUPS: record.cgroups.join(' ')},
				},
			);
		} finally {
			fs.closeSync(consoleFd);
		}

		nspawn = child;
		// Tests must be able to end while hosts run; the exit hook stops them.
		child.unref();
		child.once('error', error => {
			spawnError = error;
		});
		const ownPidNamespace = readLink('/proc/self/ns/pid');
		const initName = kind === 'systemd' ? 'systemd' : 'tini';
		// The container's PID 1 is the child of nspawn in another pid namespace, once it runs init.
		state.leader = await waitFor(
			`test host ${name}: init`,
			() => childrenOf(child.pid!).find(pid => readLink(`/proc/${pid}/ns/pid`) !== ownPidNamespace && comm(pid) === initName),
			{timeoutMs, failure: exited},
		);
	};

	const exec = async (command: string, execOptions: {input?: string} = {}): Promise<ExecResult> => {
		if (state.stopped) throw new Error(`test host ${name} is stopped`);
		const {leader} = state;
		if (leader === undefined) throw new Error(`test host ${name} is off`);
		return run(
			'/bin/sh',
			[
				'-c',
				'for d in $MT_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 125; done; exec "$@"',
				'mt-exec',
				'nsenter',
				`--target=${leader}`,
				'--all',
				'--root',
				'--wd',
				'/usr/bin/env',
				'-i',
				`PATH=${systemPath}`,
				'HOME=/root',
				'LANG=C.UTF-8',
				'TERM=dumb',
				'/bin/sh',
				'-c',
				command,
				// The cgroups of the container's PID 1, read each time: systemd moves itself into init.scope.
			],
			{input: execOptions.input, env: {PATH: systemPath, MT_CGROUPS: cgroupDirsOf(leader).join(' ')}},
		);
	};

	const execChecked = async (command: string): Promise<string> => {
		const result = await exec(command);
		if (result.code !== 0) throw new Error(`test host ${name}: \`${command}\` failed (${result.code}):\n${lastLines(result.stderr + result.stdout, 20)}`);
		return result.stdout;
	};

	const waitForSsh = async (): Promise<void> => {
		await waitFor(`test host ${name}: sshd on ${ip}:22`, async () => sshAnswers(ip), {timeoutMs, failure: exited});
	};

	const startSshd = async (): Promise<void> => {
		// Debian's ssh.service is Type=notify: systemctl returns once sshd listens.
		await execChecked(kind === 'systemd' ? 'systemctl start ssh.service' : 'mkdir -p -m 0755 /run/sshd && /usr/sbin/sshd -E /var/log/sshd.log');
		await waitForSsh();
	};

	const stopSshd = async (): Promise<void> => {
		// Only the listener: on systemd, ssh.service has KillMode=process, and sessions are its children.
		await execChecked(
			kind === 'systemd'
				? 'systemctl stop ssh.service'
				: 'pid=$(cat /run/sshd.pid 2>/dev/null) || exit 0; kill "$pid" 2>/dev/null || exit 0; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done',
		);
		await waitFor(`test host ${name}: sshd stopped`, async () => portRefuses(ip), {timeoutMs, failure: exited});
	};

	/** From a running container to sshd answering: systemd starts its units; a no-init host gets what its boot would do. */
	const comeUp = async (): Promise<void> => {
		if (kind === 'no-init') {
			// What the machinist-test-cgroups unit does at boot on a systemd host.
			await execChecked('/usr/local/sbin/machinist-test-cgroups');
			await startSshd();
		} else {
			await waitForSsh();
		}
	};

	// Power changes one at a time, in the order asked, as a machine's power button would take them.
	let power: Promise<unknown> = Promise.resolve();
	let on = true;
	const powerChange = async (what: string, change: () => Promise<void>): Promise<void> => {
		// A no-init host has nothing that would bring sshd or dockerd back after a boot.
		if (kind !== 'systemd') throw new Error(`test host ${name}: ${what} needs a systemd host, not a ${kind} one`);
		const next = power.then(async () => {
			if (state.stopped) throw new Error(`test host ${name} is stopped`);
			await change();
		});
		power = next.catch(() => undefined);
		return next;
	};

	/** Off: no process (killed from the leader, if given, as destroySync does) and no network. */
	const powerGone = (leader: number | undefined): void => {
		killHostSync(record, leader);
		state.leader = undefined;
		nspawn = undefined;
		removeNetworkSync(record);
	};

	/** Down, by `systemctl <how>` inside (pulling the plug if it takes longer than timeoutMs) or at once. */
	const halt = async (how: 'poweroff' | 'reboot' | 'now', haltTimeoutMs: number): Promise<void> => {
		if (!on) return;
		on = false;
		const child = nspawn;
		const gone = (): boolean => child?.exitCode !== null || child.signalCode !== null;
		if (how !== 'now' && (await exec(`systemctl --no-block ${how}`)).code === 0) {
			await waitFor(`test host ${name}: ${how}`, gone, {timeoutMs: haltTimeoutMs, intervalMs: 50}).catch(() => undefined);
		}

		// After a clean halt nothing is left and this returns at once; otherwise it is the plug.
		powerGone(gone() ? undefined : state.leader);
	};

	const boot = async (): Promise<void> => {
		if (on) return;
		try {
			await createHostNetwork(record);
			await launch();
		} catch (error) {
			// Off again, entirely, so that the next boot starts from where this one did.
			powerGone(state.leader);
			throw error;
		}

		on = true;
		await comeUp();
	};

	try {
		// The overlay: the cached image below, this host's changes in upper/.
		for (const sub of ['upper', 'work', 'merged', 'docker']) fs.mkdirSync(path.join(record.dir, sub), {recursive: true});
		await runChecked('mount', [
			'-t',
			'overlay',
			'overlay',
			'-o',
			`lowerdir=${lower},upperdir=${path.join(record.dir, 'upper')},workdir=${path.join(record.dir, 'work')}`,
			record.merged,
		]);
		const {merged} = record;
		const mergedStat = fs.statSync(merged);
		record.nspawnLock = `/run/systemd/nspawn/locks/inode-${mergedStat.dev}:${mergedStat.ino}`;
		fs.writeFileSync(path.join(merged, 'etc/hostname'), `${name}\n`);
		fs.appendFileSync(path.join(merged, 'etc/hosts'), `127.0.1.1\t${name}\n`);
		// Host keys of its own, made by the image's own ssh-keygen.
		await runChecked('chroot', [merged, 'ssh-keygen', '-A']);
		if (options.docker === false) {
			await runChecked('chroot', [merged, 'dpkg', '--purge', 'docker.io', 'containerd', 'runc'], {
				env: {PATH: systemPath, LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive'},
			});
		}

		// The network: a veth pair, eth0 inside, a default route through this machine that reaches
		// the other test hosts and nothing else (see network.ts).
		await createHostNetwork(record);

		record.cgroups = createHostCgroups(name);
		updateClaim(record);
		await launch();
		await comeUp();

		return {
			name,
			ip,
			machineAddress: machineAddress(record.n),
			kind,
			rootfs: merged,
			async authorizeKey(user, publicKey) {
				const {uid, gid, home} = readPasswd(merged, user);
				const sshDir = path.join(merged, home, '.ssh');
				const file = path.join(sshDir, 'authorized_keys');
				fs.mkdirSync(sshDir, {recursive: true, mode: 0o700});
				fs.appendFileSync(file, `${publicKey.trim()}\n`, {mode: 0o600});
				// sshd refuses keys in files or directories that others can write, or that someone else owns.
				fs.chmodSync(sshDir, 0o700);
				fs.chmodSync(file, 0o600);
				fs.chownSync(sshDir, uid, gid);
				fs.chownSync(file, uid, gid);
			},
			exec,
			async hostKeyFingerprints() {
				const dir = path.join(merged, 'etc/ssh');
				const files = fs
					.readdirSync(dir)
					.filter(file => /^ssh_host_\w+_key\.pub$/.test(file))
					.sort();
				return Promise.all(files.map(async file => fingerprint(await readFile(path.join(dir, file), 'utf8'))));
			},
			async regenerateHostKeys() {
				await execChecked('rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub && ssh-keygen -A >/dev/null');
				// A restart rather than SIGHUP: when it returns, the listener with the new keys is up.
				await stopSshd();
				await startSshd();
			},
			stopSshd,
			startSshd,
			isOn: () => on && !state.stopped,
			async shutdown(shutdownOptions = {}) {
				await powerChange('shutdown', async () => halt('poweroff', shutdownOptions.timeoutMs ?? 60_000));
			},
			async powerOff() {
				await powerChange('power-off', async () => halt('now', 0));
			},
			async boot() {
				await powerChange('boot', boot);
			},
			async reboot() {
				await powerChange('reboot', async () => {
					await halt('reboot', 60_000);
					await boot();
				});
			},
			logs,
			stop,
		};
	} catch (error) {
		const output = logs();
		await stop().catch(() => undefined);
		if (output !== '' && error instanceof Error && !error.message.includes(output.trimEnd().slice(-200)))
			error.message += `\nconsole:\n${lastLines(output, 20)}`;
		throw error;
	}
}
