/**
 * Disposable Linux hosts for end-to-end tests: each is a Debian bookworm container in its own
 * network namespace, reachable from the test process at 10.200.N.2, with sshd, sudo and Debian's
 * docker.io installed, so the product can provision it the way it would provision a real server.
 *
 * - A `systemd` host boots the image with systemd-nspawn: systemd is PID 1 and docker.service is
 *   enabled, as after `apt install docker.io` on a stock Debian.
 * - A `no-init` host runs the same image with no init system: tini is PID 1 (it only reaps
 *   zombies) and sshd runs as a daemon, so the product has to start dockerd by itself.
 *
 * The image is made once with debootstrap and cached; every host gets a copy-on-write overlay of
 * it, fresh sshd host keys and a fresh machine id, and leaves nothing behind when stopped.
 *
 * Why the container is set up as it is (all of it was needed for dockerd to run containers inside):
 * - `--capability=all`: dockerd and runc need CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_MODULE... and
 *   nspawn's default set drops several.
 * - `--system-call-filter=@keyring`: nspawn's seccomp filter blocks the keyring calls, because the
 *   kernel keyring is not namespaced; runc creates a session keyring for every container and
 *   fails with "unable to join session keyring: operation not permitted" without them.
 * - cgroup v1 controllers: nspawn mounts them read-only inside the container (only systemd's own
 *   hierarchy is writable), and runc then fails with "mkdir /sys/fs/cgroup/cpuset/docker:
 *   read-only file system". The image remounts them read-write (bind remount, because the memory
 *   controller is a bind mount of a sub-cgroup) before containerd and dockerd start; see
 *   `cgroupsScript`. On a host with only cgroup v2 there is nothing to remount.
 * - Each host runs in cgroups of its own (`mt-…` under the test process's cgroups). nspawn,
 *   started outside any systemd unit with `--keep-unit`, would otherwise create `payload/` and
 *   `supervisor/` at the root of the systemd hierarchy, shared by every container, and dockerd's
 *   `/docker/<id>` cgroups would land in the machine's root cgroups. It also gives `stop()` a
 *   complete list of processes to kill: SIGKILL to nspawn leaves the container running.
 * - `/var/lib/docker` is a bind mount of a per-host directory on the real file system: overlay2
 *   cannot use an overlayfs as its backing file system, and dockerd would fall back to vfs,
 *   which copies every layer.
 * - Daemons in the host's namespace are entered with nsenter on the container's PID 1, never
 *   `ip netns exec`, which remounts /sys and makes dockerd fail with "Devices cgroup isn't
 *   mounted".
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export type TestHostKind = 'systemd' | 'no-init';
export type TestHostUser = 'root' | 'deploy' | 'needpw';

export type ExecResult = {code: number; stdout: string; stderr: string};

export type TestHost = {
	/** Unique among running hosts, `mt-<pid>-<n>`: also the host name, netns and machine name. */
	name: string;
	/** Where the test process reaches it: 10.200.N.2. */
	ip: string;
	kind: TestHostKind;
	/** The host's root directory (the merged overlay), for planting files and for assertions. */
	rootfs: string;
	/** Appends a public key (an authorized_keys line) to the user's ~/.ssh/authorized_keys. */
	authorizeKey(user: TestHostUser, publicKey: string): Promise<void>;
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
	/** The container's console (nspawn and, on a no-init host, what PID 1 printed). */
	logs(): string;
	/** Kills everything in the host and removes all its traces; idempotent. */
	stop(): Promise<void>;
};

export type StartTestHostOptions = {
	/** How long to wait for sshd; default 60 s. */
	readyTimeoutMs?: number;
};

/** The password of user `needpw`, whose sudo asks for it (`deploy` has passwordless sudo). */
export const needpwPassword = 'needpw-password';

const cacheDir = process.env['MACHINIST_TEST_CACHE'] ?? '/var/cache/machinist-test';
const mirror = process.env['MACHINIST_TEST_MIRROR'] ?? 'http://deb.debian.org/debian';
// Claims and the allocation lock live with the network namespaces, in /run.
const stateDir = '/run/machinist-test';
// Overlay upper layers and docker data: on the real file system, which overlay2 needs.
const hostsDir = '/var/tmp/machinist-test';
const suite = 'bookworm';
const packages = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'docker.io', 'iproute2', 'ca-certificates', 'curl', 'procps', 'busybox-static'];
const systemPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const namePattern = /^mt-(\d+)-\d+$/;

/**
 * Makes the cgroup v1 controllers that nspawn mounted read-only writable, so that dockerd's runc
 * can create cgroups for containers. A bind remount changes only this mount's flags.
 */
const cgroupsScript = `#!/bin/sh
# Written by machinist's test helper: nspawn mounts cgroup v1 controllers read-only, and dockerd
# cannot run containers without creating cgroups in them.
for m in /sys/fs/cgroup/*; do
	mountpoint -q "$m" && mount -o remount,bind,rw "$m"
done
exit 0
`;

const cgroupsUnit = `[Unit]
Description=Make cgroup controllers writable for dockerd (machinist test host)
DefaultDependencies=no
Before=sysinit.target containerd.service docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/machinist-test-cgroups

[Install]
WantedBy=sysinit.target
`;

/** Runs in a chroot of the freshly bootstrapped image. Part of the image's cache key. */
const prepareScript = `set -eu
useradd --create-home --shell /bin/bash deploy
useradd --create-home --shell /bin/bash needpw
echo 'needpw:${needpwPassword}' | chpasswd
echo 'deploy ALL=(ALL:ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy
echo 'needpw ALL=(ALL:ALL) ALL' > /etc/sudoers.d/needpw
chmod 0440 /etc/sudoers.d/deploy /etc/sudoers.d/needpw

# Key logins for root (Debian's default, made explicit); every host makes its own host keys.
printf 'PermitRootLogin prohibit-password\\nUseDNS no\\n' > /etc/ssh/sshd_config.d/machinist-test.conf
rm -f /etc/ssh/ssh_host_*

# An empty machine id makes systemd derive a new one for each container.
: > /etc/machine-id
ln -sf /etc/machine-id /var/lib/dbus/machine-id
echo debian > /etc/hostname
printf '127.0.0.1\\tlocalhost\\n::1\\t\\tlocalhost ip6-localhost ip6-loopback\\n' > /etc/hosts

# Test hosts have no network: no package source, no name server (debootstrap copied ours).
echo '# machinist test host: no network, packages come from local files' > /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
apt-get clean
rm -rf /var/lib/apt/lists/*
echo '# machinist test host: no network' > /etc/resolv.conf

# Timers and consoles that do nothing useful in a throwaway container and slow the boot.
systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer e2scrub_reap.service getty@tty1.service console-getty.service

mkdir -p /usr/local/sbin
cat > /usr/local/sbin/machinist-test-cgroups <<'EOF'
${cgroupsScript}EOF
chmod 0755 /usr/local/sbin/machinist-test-cgroups
cat > /etc/systemd/system/machinist-test-cgroups.service <<'EOF'
${cgroupsUnit}EOF
systemctl enable machinist-test-cgroups.service
`;

const recipe = {suite, variant: 'minbase', packages, prepareScript};
const recipeHash = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);
const rootfsPath = path.join(cacheDir, `${suite}-${recipeHash}`);

// ---------------------------------------------------------------------------------------------
// Small process and file helpers

async function run(command: string, args: string[], options: {input?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void} = {}): Promise<ExecResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? {PATH: systemPath, LANG: 'C.UTF-8'}});
		let stdout = '';
		let stderr = '';
		let pending = '';
		const onData = (chunk: Buffer, isStderr: boolean): void => {
			const text = chunk.toString('utf8');
			if (isStderr) stderr += text;
			else stdout += text;
			if (options.onLine) {
				pending += text;
				const lines = pending.split('\n');
				pending = lines.pop() ?? '';
				for (const line of lines) options.onLine(line);
			}
		};

		child.stdout.on('data', (chunk: Buffer) => {
			onData(chunk, false);
		});
		child.stderr.on('data', (chunk: Buffer) => {
			onData(chunk, true);
		});
		child.once('error', reject);
		child.once('close', (code, signal) => {
			if (options.onLine && pending !== '') options.onLine(pending);
			resolve({code: code ?? 128 + (signal ? signalNumber(signal) : 0), stdout, stderr});
		});
		// A command that does not read its input must not fail the call with EPIPE.
		child.stdin.on('error', () => {});
		child.stdin.end(options.input ?? '');
	});
}

function signalNumber(signal: NodeJS.Signals): number {
	return ({SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15} as Record<string, number>)[signal] ?? 0;
}

export async function runChecked(command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
	const result = await run(command, args, options);
	if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${lastLines(result.stderr + result.stdout, 30)}`);
	return result.stdout;
}

function runSync(command: string, args: string[]): {code: number; output: string} {
	const result = spawnSync(command, args, {encoding: 'utf8', env: {PATH: systemPath, LANG: 'C.UTF-8'}, stdio: ['ignore', 'pipe', 'pipe']});
	return {code: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}`};
}

function lastLines(text: string, count: number): string {
	return text.trimEnd().split('\n').slice(-count).join('\n');
}

async function sleep(ms: number): Promise<void> {
	return new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}

/** The exit hook cannot await; this blocks the thread instead. */
function sleepSync(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function commandExists(name: string): boolean {
	return systemPath.split(':').some(dir => {
		try {
			fs.accessSync(path.join(dir, name), fs.constants.X_OK);
			return true;
		} catch {
			return false;
		}
	});
}

function errorCode(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Start time of a process (clock ticks since boot), to tell a live owner from a recycled pid. */
function processStart(pid: number): string | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name in parentheses may contain spaces; fields after it are plain.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	} catch {
		return undefined;
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return errorCode(error) === 'EPERM';
	}
}

// ---------------------------------------------------------------------------------------------
// Locks: flock(1) holds the lock for us and the kernel drops it if this process dies, so a crashed
// test run never leaves a lock that the next one has to guess about.

export async function withLock<T>(lockFile: string, action: () => Promise<T>): Promise<T> {
	fs.mkdirSync(path.dirname(lockFile), {recursive: true});
	const holder = spawn('flock', ['--exclusive', lockFile, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {stdio: ['pipe', 'pipe', 'inherit'], env: {PATH: systemPath}});
	try {
		await new Promise<void>((resolve, reject) => {
			holder.once('error', reject);
			holder.once('exit', code => {
				reject(new Error(`flock ${lockFile} exited (${code})`));
			});
			holder.stdout!.once('data', () => {
				resolve();
			});
		});
		return await action();
	} finally {
		holder.stdin!.end();
		holder.removeAllListeners('exit');
	}
}

// ---------------------------------------------------------------------------------------------
// The cached image

let rootfsPromise: Promise<string> | undefined;

/**
 * The cached image, built with debootstrap on first use (a few minutes; progress goes to stderr).
 * Its directory name carries a hash of the package list and preparation script, so changing
 * either builds a new image; old ones are removed once no host uses them.
 */
export async function ensureRootfs(): Promise<string> {
	rootfsPromise ??= (async () => {
		if (fs.existsSync(rootfsPath)) return rootfsPath;
		return withLock(path.join(cacheDir, 'build.lock'), async () => {
			// Another process may have built it while we waited for the lock.
			if (!fs.existsSync(rootfsPath)) await buildRootfs();
			removeOldImages();
			return rootfsPath;
		});
	})();
	rootfsPromise.catch(() => {
		rootfsPromise = undefined;
	});
	return rootfsPromise;
}

async function buildRootfs(): Promise<void> {
	const started = Date.now();
	const log = (line: string): void => {
		process.stderr.write(`machinist test image: ${line}\n`);
	};

	fs.mkdirSync(path.join(cacheDir, 'debs'), {recursive: true});
	// Only one builder runs at a time (we hold the lock), so any temporary directory is a leftover.
	for (const entry of fs.readdirSync(cacheDir)) {
		if (entry.startsWith(`${suite}-`) && entry.includes('.tmp-')) removeTree(path.join(cacheDir, entry));
	}

	const temporary = `${rootfsPath}.tmp-${process.pid}`;
	log(`building ${suite} with ${packages.join(', ')} in ${temporary} (once; takes a few minutes)`);
	try {
		await runChecked('debootstrap', [
			'--variant=minbase',
			`--include=${packages.join(',')}`,
			// Keeps the .debs, so a changed recipe rebuilds without downloading everything again.
			`--cache-dir=${path.join(cacheDir, 'debs')}`,
			suite,
			temporary,
			mirror,
		], {onLine(line) {
			// One line per package and step is too much; the steps themselves are progress enough.
			if (/^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) \S+( \S+|\.\.\.)$/.test(line) || line.trim() === '') return;
			log(line);
		}});
		log('preparing users, sshd, and units');
		await runChecked('chroot', [temporary, '/bin/sh', '-s'], {input: prepareScript, env: {PATH: systemPath, LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive'}});
		fs.writeFileSync(path.join(temporary, 'etc/machinist-test-image.json'), `${JSON.stringify({...recipe, built: new Date().toISOString()}, undefined, '\t')}\n`);
		fs.renameSync(temporary, rootfsPath);
	} catch (error) {
		removeTree(temporary);
		throw error;
	}

	log(`built ${rootfsPath} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Images of earlier recipes, unless a host (ours or another process's) still has one mounted. */
function removeOldImages(): void {
	const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
	for (const entry of fs.readdirSync(cacheDir)) {
		const full = path.join(cacheDir, entry);
		if (!entry.startsWith(`${suite}-`) || full === rootfsPath || entry.includes('.tmp-')) continue;
		if (mountinfo.includes(`lowerdir=${full},`) || mountinfo.includes(`lowerdir=${full}:`)) continue;
		removeTree(full);
	}
}

/** rm -rf that first unmounts whatever is mounted inside (a killed debootstrap leaves /proc). */
function removeTree(dir: string): void {
	for (const mountPoint of mountsUnder(dir).reverse()) runSync('umount', ['--lazy', mountPoint]);
	fs.rmSync(dir, {recursive: true, force: true, maxRetries: 3});
}

/** Mount points at or below dir, outermost first. */
function mountsUnder(dir: string): string[] {
	const points: string[] = [];
	for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
		const mountPoint = unescapeMount(line.split(' ')[4] ?? '');
		if (mountPoint === dir || mountPoint.startsWith(`${dir}/`)) points.push(mountPoint);
	}

	return points;
}

function unescapeMount(field: string): string {
	return field.replaceAll(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

let busyboxPromise: Promise<string> | undefined;

/**
 * A tar of Debian's static busybox and its applet links, for `docker import tar IMAGE` inside a
 * host: `docker run IMAGE echo ok` then works with no registry.
 */
export async function busyboxImageTar(): Promise<string> {
	busyboxPromise ??= (async () => {
		const rootfs = await ensureRootfs();
		const tarPath = path.join(cacheDir, `busybox-${recipeHash}.tar`);
		if (fs.existsSync(tarPath)) return tarPath;
		const stage = await mkdtemp(path.join(cacheDir, 'busybox.tmp-'));
		try {
			const busybox = path.join(rootfs, 'usr/bin/busybox');
			fs.mkdirSync(path.join(stage, 'bin'));
			fs.copyFileSync(busybox, path.join(stage, 'bin/busybox'));
			const applets = (await runChecked(busybox, ['--list'])).split('\n').filter(name => /^[\w.[-]+$/.test(name) && name !== 'busybox');
			for (const applet of applets) fs.symlinkSync('busybox', path.join(stage, 'bin', applet));
			const partial = `${tarPath}.tmp-${process.pid}`;
			await runChecked('tar', ['--create', '--file', partial, '--directory', stage, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '.']);
			// Several test processes may build it at once; each rename leaves a complete file.
			fs.renameSync(partial, tarPath);
			return tarPath;
		} finally {
			await rm(stage, {recursive: true, force: true});
		}
	})();
	busyboxPromise.catch(() => {
		busyboxPromise = undefined;
	});
	return busyboxPromise;
}

// ---------------------------------------------------------------------------------------------
// Availability

export function testHostsAvailable(): {ok: true} | {ok: false; why: string} {
	if (process.platform !== 'linux') return {ok: false, why: `test hosts need Linux, not ${process.platform}`};
	if (process.getuid?.() !== 0) return {ok: false, why: 'test hosts need root (network namespaces, overlay mounts, systemd-nspawn); run the tests as root (CI does)'};
	const needed: Array<[string, string]> = [['systemd-nspawn', 'systemd-container'], ['ip', 'iproute2'], ['nsenter', 'util-linux'], ['flock', 'util-linux'], ['mount', 'mount'], ['tar', 'tar']];
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

// ---------------------------------------------------------------------------------------------
// cgroups

type Hierarchy = {
	/** The controllers field of /proc/PID/cgroup: '' for cgroup v2, e.g. 'cpu,cpuacct' or 'name=systemd'. */
	key: string;
	/** Where the hierarchy's root is mounted on this machine. */
	mount: string;
};

let hierarchies: Hierarchy[] | undefined;

function cgroupHierarchies(): Hierarchy[] {
	if (hierarchies) return hierarchies;
	const mounts: Array<{mount: string; root: string; type: string; options: string[]}> = [];
	for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
		const [before, after] = line.split(' - ');
		if (!before || !after) continue;
		const fields = before.split(' ');
		const [type, , superOptions] = after.split(' ');
		if (type !== 'cgroup' && type !== 'cgroup2') continue;
		mounts.push({mount: unescapeMount(fields[4] ?? ''), root: unescapeMount(fields[3] ?? ''), type, options: (superOptions ?? '').split(',')});
	}

	const found: Hierarchy[] = [];
	for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
		const key = line.split(':')[1] ?? '';
		const match = mounts.find(mount => mount.root === '/' && (key === ''
			? mount.type === 'cgroup2'
			: mount.type === 'cgroup' && key.split(',').every(controller => mount.options.includes(controller))));
		// A v2 hierarchy that nobody mounted (a pure v1 machine) is simply not used.
		if (!match) {
			if (key === '') continue;
			throw new Error(`the ${key} cgroup hierarchy is not mounted`);
		}

		found.push({key, mount: match.mount});
	}

	if (found.length === 0) throw new Error('no cgroup hierarchy is mounted');
	hierarchies = found;
	return found;
}

/** The directories of a process's cgroups, one per hierarchy, as seen from this machine. */
function cgroupDirsOf(pid: number | 'self'): string[] {
	const byKey = new Map<string, string>();
	for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
		const [, key = '', ...rest] = line.split(':');
		byKey.set(key, rest.join(':'));
	}

	return cgroupHierarchies().map(hierarchy => path.join(hierarchy.mount, byKey.get(hierarchy.key) ?? '/'));
}

/** A new cgroup named `name` below this process's own, in every hierarchy. */
function createHostCgroups(name: string): string[] {
	const dirs: string[] = [];
	for (const [index, parent] of cgroupDirsOf('self').entries()) {
		const dir = path.join(parent, name);
		fs.mkdirSync(dir, {recursive: true});
		// A new cpuset cgroup (v1) has no CPUs or memory nodes, and no process can join it until it has.
		if (cgroupHierarchies()[index]!.key !== '') {
			for (const file of ['cpuset.cpus', 'cpuset.mems']) {
				const own = path.join(dir, file);
				if (fs.existsSync(own) && fs.readFileSync(own, 'utf8').trim() === '') fs.writeFileSync(own, fs.readFileSync(path.join(parent, file)));
			}
		}

		dirs.push(dir);
	}

	return dirs;
}

function pidsIn(dirs: string[]): number[] {
	const pids = new Set<number>();
	const visit = (dir: string): void => {
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(dir, {withFileTypes: true});
			for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
				if (pid !== '') pids.add(Number(pid));
			}
		} catch {
			return;
		}

		for (const entry of entries) {
			if (entry.isDirectory()) visit(path.join(dir, entry.name));
		}
	};

	for (const dir of dirs) visit(dir);
	return [...pids];
}

function killAll(pids: number[]): void {
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {}
	}
}

/** rmdir of a cgroup and its children, deepest first; false if some are still busy. */
function removeCgroups(dirs: string[]): boolean {
	let clean = true;
	const visit = (dir: string): void => {
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(dir, {withFileTypes: true});
		} catch {
			return;
		}

		for (const entry of entries) {
			if (entry.isDirectory()) visit(path.join(dir, entry.name));
		}

		try {
			fs.rmdirSync(dir);
		} catch (error) {
			if (errorCode(error) !== 'ENOENT') clean = false;
		}
	};

	for (const dir of dirs) visit(dir);
	return clean;
}

// ---------------------------------------------------------------------------------------------
// Host records: what a host owns, written before it is created, so that whatever a crash leaves
// can be found and removed by the next run.

type HostRecord = {
	name: string;
	/** The subnet: 10.200.N.0/24. */
	n: number;
	ownerPid: number;
	ownerStart: string;
	dir: string;
	merged: string;
	veth: string;
	cgroups: string[];
	/** The lock nspawn takes on the image directory, named after its device and inode. */
	nspawnLock?: string;
};

const claimsDir = path.join(stateDir, 'subnets');

function claimPath(n: number): string {
	return path.join(claimsDir, `${n}.json`);
}

function readClaims(): HostRecord[] {
	let entries: string[];
	try {
		entries = fs.readdirSync(claimsDir);
	} catch {
		return [];
	}

	const records: HostRecord[] = [];
	for (const entry of entries) {
		try {
			records.push(JSON.parse(fs.readFileSync(path.join(claimsDir, entry), 'utf8')) as HostRecord);
		} catch {}
	}

	return records;
}

function ownerAlive(record: HostRecord): boolean {
	return processStart(record.ownerPid) === record.ownerStart;
}

/** Subnets some interface on this machine already uses (another tool's, say): never ours to take. */
function subnetsInUse(): Set<number> {
	const used = new Set<number>();
	for (const match of runSync('ip', ['-o', '-4', 'addr', 'show']).output.matchAll(/inet 10\.200\.(\d+)\./g)) used.add(Number(match[1]));
	for (const match of runSync('ip', ['-o', '-4', 'route', 'show']).output.matchAll(/^10\.200\.(\d+)\./gm)) used.add(Number(match[1]));
	return used;
}

/** Kills and removes everything a record names. Synchronous, so the exit hook can use it too. */
function destroySync(record: HostRecord, leader: number | undefined): string[] {
	// Killing the container's PID 1 kills every process in its pid namespace at once, nested
	// Docker containers included. nspawn is spared for a moment: it exits by itself when its
	// container does, and only then removes its lock and propagation directory from /run.
	if (leader !== undefined) killAll([leader]);
	for (let attempt = 0; attempt < 150; attempt++) {
		const pids = pidsIn(record.cgroups);
		if (pids.length === 0) break;
		killAll(attempt < 50 ? pids.filter(pid => comm(pid) !== 'systemd-nspawn') : pids);
		sleepSync(20);
	}

	// What nspawn leaves in /run when it is killed before it can clean up.
	fs.rmSync(path.join('/run/systemd/nspawn/propagate', record.name), {recursive: true, force: true});
	if (record.nspawnLock) fs.rmSync(record.nspawnLock, {force: true});

	const leftovers: string[] = [];
	if (mountsUnder(record.merged).length > 0 && runSync('umount', [record.merged]).code !== 0) {
		// Busy: someone has a file open in it. Detach it now; the kernel frees it when they close it.
		runSync('umount', ['--lazy', record.merged]);
	}

	const vethExists = (): boolean => record.veth !== '' && fs.existsSync(`/sys/class/net/${record.veth}`);
	if (fs.existsSync(path.join('/run/netns', record.name))) runSync('ip', ['netns', 'delete', record.name]);
	if (vethExists()) runSync('ip', ['link', 'delete', record.veth]);
	let cgroupsClean = false;
	for (let attempt = 0; attempt < 50 && !cgroupsClean; attempt++) {
		cgroupsClean = removeCgroups(record.cgroups);
		if (!cgroupsClean) sleepSync(20);
	}

	if (!cgroupsClean) leftovers.push(`cgroups ${record.cgroups.join(' ')}`);
	try {
		removeTree(record.dir);
	} catch (error) {
		leftovers.push(`${record.dir}: ${(error as Error).message}`);
	}

	if (vethExists()) leftovers.push(`link ${record.veth}`);
	if (fs.existsSync(path.join('/run/netns', record.name))) leftovers.push(`netns ${record.name}`);
	try {
		const claimed = JSON.parse(fs.readFileSync(claimPath(record.n), 'utf8')) as HostRecord;
		if (claimed.name === record.name) fs.rmSync(claimPath(record.n));
	} catch {}

	return leftovers;
}

let staleCleanup: Promise<void> | undefined;

/**
 * Removes what earlier runs that crashed (or were killed) left behind: their claims, and any
 * `mt-<pid>-<n>` namespace, overlay, directory or cgroup whose pid is gone. Holding the allocation
 * lock, so no live process is halfway through creating one.
 */
async function cleanupStale(): Promise<void> {
	staleCleanup ??= withLock(path.join(stateDir, 'lock'), async () => {
		for (const record of readClaims()) {
			if (!ownerAlive(record)) destroySync(record, undefined);
		}

		const dead = (name: string): boolean => {
			const match = namePattern.exec(name);
			return match !== null && !isAlive(Number(match[1]));
		};

		const stray = new Set<string>();
		for (const name of runSync('ip', ['netns', 'list']).output.split('\n').map(line => line.split(' ')[0] ?? '')) {
			if (dead(name)) stray.add(name);
		}

		for (const name of fs.existsSync(hostsDir) ? fs.readdirSync(hostsDir) : []) {
			if (dead(name)) stray.add(name);
		}

		const parents = cgroupDirsOf('self');
		for (const parent of parents) {
			for (const name of fs.readdirSync(parent)) {
				if (dead(name)) stray.add(name);
			}
		}

		for (const name of stray) {
			const dir = path.join(hostsDir, name);
			destroySync({name, n: -1, ownerPid: 0, ownerStart: '', dir, merged: path.join(dir, 'merged'), veth: '', cgroups: parents.map(parent => path.join(parent, name))}, undefined);
		}
	});
	staleCleanup.catch(() => {
		staleCleanup = undefined;
	});
	return staleCleanup;
}

// ---------------------------------------------------------------------------------------------
// The test network. Everything here is explicit rather than borrowed from whatever ran on this
// machine before: a fresh machine has net.ipv4.ip_forward = 0, no firewall rules and no routes
// for 10.200.0.0/16.

/**
 * Kernel settings inside each host's network namespace, set before it boots (inside, /proc/sys
 * is read-only). dockerd needs forwarding for its bridge and for swarm's overlay networks.
 */
const hostSysctlScript = [
	'echo 1 > /proc/sys/net/ipv4/ip_forward',
	// Swarm's overlay networks and published ports route between interfaces of the host.
	'echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter',
	'echo 0 > /proc/sys/net/ipv4/conf/default/rp_filter',
].join(' && ');

const testSubnet = '10.200.0.0/16';
const routeTable = '2000';

/**
 * Test hosts reach each other through this machine, and nothing else:
 * - forwarding is switched on only for the hosts' veth interfaces (IPv4 decides by the incoming
 *   interface), never machine-wide;
 * - a policy rule sends whatever a test host sends to an address outside the test subnet to a
 *   table that holds only an unreachable route, so no packet of theirs leaves this machine;
 * - a blackhole route for the whole subnet keeps traffic to a host whose veth is gone from
 *   following this machine's default route.
 */
let networkReady: Promise<void> | undefined;

async function ensureTestNetwork(): Promise<void> {
	networkReady ??= withLock(path.join(stateDir, 'network.lock'), async () => {
		const rules = (await runChecked('ip', ['rule', 'show'])).split('\n');
		const has = (pref: string): boolean => rules.some(line => line.startsWith(`${pref}:`) && line.includes(testSubnet));
		if (!has('1000')) {
			await runChecked('ip', ['rule', 'add', 'pref', '1000', 'from', testSubnet, 'to', testSubnet, 'lookup', 'main']);
		}

		if (!has('1001')) {
			await runChecked('ip', ['rule', 'add', 'pref', '1001', 'from', testSubnet, 'lookup', routeTable]);
		}

		// Unreachable rather than blackhole: a host that tries the internet fails at once, as it
		// did when it had no route at all, instead of waiting for a time-out.
		await runChecked('ip', ['route', 'replace', 'unreachable', 'default', 'table', routeTable]);
		await runChecked('ip', ['route', 'replace', 'blackhole', testSubnet]);
		// A firewall that drops forwarded packets (dockerd on this machine sets FORWARD to DROP)
		// would cut the hosts off from each other; let theirs through, only between test hosts.
		const forward = commandExists('iptables') ? runSync('iptables', ['-S', 'FORWARD']) : undefined;
		if (forward?.code === 0 && forward.output.includes('-P FORWARD DROP')) {
			const rule = ['FORWARD', '-s', testSubnet, '-d', testSubnet, '-i', 'mtv+', '-o', 'mtv+', '-j', 'ACCEPT'];
			if (runSync('iptables', ['-C', ...rule]).code !== 0) await runChecked('iptables', ['-I', ...rule]);
		}
	});
	networkReady.catch(() => {
		networkReady = undefined;
	});
	return networkReady;
}

/** Forwarding for packets arriving on one veth; false if the interface is gone. */
function setForwarding(veth: string): boolean {
	try {
		fs.writeFileSync(`/proc/sys/net/ipv4/conf/${veth}/forwarding`, '1');
		return true;
	} catch {
		return false;
	}
}

/**
 * Writing net.ipv4.ip_forward resets the forwarding flag of every interface, so a test that
 * changes it must hand the running hosts their forwarding back; this does, for every claimed
 * host of every test process.
 */
export function restoreHostForwarding(): void {
	for (const record of readClaims()) setForwarding(record.veth);
}

/** Sets this machine's net.ipv4.ip_forward and gives running test hosts their forwarding back. */
export function setMachineIpForward(value: '0' | '1'): void {
	fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', value);
	restoreHostForwarding();
}

export function machineIpForward(): string {
	return fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
}

// ---------------------------------------------------------------------------------------------
// Hosts

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

async function allocate(name: string): Promise<HostRecord> {
	return withLock(path.join(stateDir, 'lock'), async () => {
		fs.mkdirSync(claimsDir, {recursive: true});
		const inUse = subnetsInUse();
		for (let n = 1; n <= 254; n++) {
			if (inUse.has(n)) continue;
			const dir = path.join(hostsDir, name);
			const record: HostRecord = {name, n, ownerPid: process.pid, ownerStart: processStart(process.pid) ?? '', dir, merged: path.join(dir, 'merged'), veth: `mtv${n}`, cgroups: []};
			try {
				fs.writeFileSync(claimPath(n), JSON.stringify(record), {flag: 'wx'});
				return record;
			} catch (error) {
				if (errorCode(error) !== 'EEXIST') throw error;
			}
		}

		throw new Error('no free subnet in 10.200.1.0–10.200.254.0 for a test host');
	});
}

function updateClaim(record: HostRecord): void {
	fs.writeFileSync(claimPath(record.n), JSON.stringify(record));
}

/** Resolves true once something on ip:22 answers with an SSH banner. */
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

async function until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, failure?: () => string | undefined): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const failed = failure?.();
		if (failed !== undefined) throw new Error(failed);
		if (await check()) return;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
		await sleep(25);
	}
}

function childrenOf(pid: number): number[] {
	try {
		return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
	} catch {
		return [];
	}
}

function readLink(file: string): string | undefined {
	try {
		return fs.readlinkSync(file);
	} catch {
		return undefined;
	}
}

function comm(pid: number): string | undefined {
	try {
		return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
	} catch {
		return undefined;
	}
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
	const ip = `10.200.${record.n}.2`;
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

	try {
		// The overlay: the cached image below, this host's changes in upper/.
		for (const sub of ['upper', 'work', 'merged', 'docker']) fs.mkdirSync(path.join(record.dir, sub), {recursive: true});
		await runChecked('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${path.join(record.dir, 'upper')},workdir=${path.join(record.dir, 'work')}`, record.merged]);
		const {merged} = record;
		const mergedStat = fs.statSync(merged);
		record.nspawnLock = `/run/systemd/nspawn/locks/inode-${mergedStat.dev}:${mergedStat.ino}`;
		fs.writeFileSync(path.join(merged, 'etc/hostname'), `${name}\n`);
		fs.appendFileSync(path.join(merged, 'etc/hosts'), `127.0.1.1\t${name}\n`);
		// Host keys of its own, made by the image's own ssh-keygen.
		await runChecked('chroot', [merged, 'ssh-keygen', '-A']);

		// The network: a veth pair, eth0 inside, a default route through this machine that reaches
		// the other test hosts and nothing else (see `ensureTestNetwork`).
		await ensureTestNetwork();
		await runChecked('ip', ['netns', 'add', name]);
		await runChecked('ip', ['link', 'add', record.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
		await runChecked('ip', ['address', 'add', `10.200.${record.n}.1/24`, 'dev', record.veth]);
		setForwarding(record.veth);
		await runChecked('ip', ['link', 'set', record.veth, 'up']);
		await runChecked('ip', ['-n', name, 'address', 'add', `${ip}/24`, 'dev', 'eth0']);
		await runChecked('ip', ['-n', name, 'link', 'set', 'eth0', 'up']);
		await runChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
		await runChecked('ip', ['-n', name, 'route', 'add', 'default', 'via', `10.200.${record.n}.1`]);
		// A new namespace starts with this machine's ip_forward, and /proc/sys is read-only inside
		// the container, so dockerd (which needs forwarding for its bridge) could not turn it on.
		await runChecked('ip', ['netns', 'exec', name, '/bin/sh', '-c', hostSysctlScript]);

		record.cgroups = createHostCgroups(name);
		updateClaim(record);

		const args = [
			`--directory=${merged}`,
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
		];
		if (kind === 'systemd') {
			// read-only: a pty for systemd's console whose output we log.
			args.push('--boot', '--console=read-only');
		} else {
			// tini only reaps zombies; sleep keeps it (and so the container) alive while sshd is
			// stopped, which a container with sshd as PID 1 could not survive.
			args.push('--console=pipe', '/usr/bin/tini', '--', '/bin/sleep', 'infinity');
		}

		let nspawn: ChildProcess;
		const consoleFd = fs.openSync(consolePath, 'a');
		try {
			// Join the host's cgroups before becoming nspawn, so that the container is born in them.
			nspawn = spawn('/bin/sh', ['-c', 'for d in $MT_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 125; done; exec "$@"', 'mt-join', 'systemd-nspawn', ...args], {
				stdio: ['ignore', consoleFd, consoleFd],
				detached: true,
				env: {PATH: systemPath, LANG: 'C.UTF-8', MT_CGROUPS: record.cgroups.join(' ')},
			});
		} finally {
			fs.closeSync(consoleFd);
		}

		// Tests must be able to end while hosts run; the exit hook stops them.
		nspawn.unref();
		let spawnError: Error | undefined;
		nspawn.once('error', error => {
			spawnError = error;
		});
		const exited = (): string | undefined => {
			if (spawnError) return `systemd-nspawn did not start: ${spawnError.message}`;
			if (nspawn.exitCode !== null || nspawn.signalCode !== null) {
				return `test host ${name} exited (${nspawn.exitCode ?? nspawn.signalCode}):\n${lastLines(logs(), 30)}`;
			}

			return undefined;
		};

		const timeoutMs = options.readyTimeoutMs ?? 60_000;
		const ownPidNamespace = readLink('/proc/self/ns/pid');
		const initName = kind === 'systemd' ? 'systemd' : 'tini';
		// The container's PID 1 is the child of nspawn in another pid namespace, once it runs init.
		await until(`test host ${name}: init`, timeoutMs, () => {
			state.leader = childrenOf(nspawn.pid!).find(pid => readLink(`/proc/${pid}/ns/pid`) !== ownPidNamespace && comm(pid) === initName);
			return state.leader !== undefined;
		}, exited);
		const leader = state.leader!;

		const exec = async (command: string, execOptions: {input?: string} = {}): Promise<ExecResult> => {
			if (state.stopped) throw new Error(`test host ${name} is stopped`);
			return run('/bin/sh', [
				'-c',
				'for d in $MT_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 125; done; exec "$@"',
				'mt-exec',
				'nsenter', `--target=${leader}`, '--all', '--root', '--wd',
				'/usr/bin/env', '-i', `PATH=${systemPath}`, 'HOME=/root', 'LANG=C.UTF-8', 'TERM=dumb',
				'/bin/sh', '-c', command,
				// The cgroups of the container's PID 1, read each time: systemd moves itself into init.scope.
			], {input: execOptions.input, env: {PATH: systemPath, MT_CGROUPS: cgroupDirsOf(leader).join(' ')}});
		};

		const execChecked = async (command: string): Promise<string> => {
			const result = await exec(command);
			if (result.code !== 0) throw new Error(`test host ${name}: \`${command}\` failed (${result.code}):\n${lastLines(result.stderr + result.stdout, 20)}`);
			return result.stdout;
		};

		const waitForSsh = async (): Promise<void> => {
			await until(`test host ${name}: sshd on ${ip}:22`, timeoutMs, async () => sshAnswers(ip), exited);
		};

		const startSshd = async (): Promise<void> => {
			// Debian's ssh.service is Type=notify: systemctl returns once sshd listens.
			await execChecked(kind === 'systemd'
				? 'systemctl start ssh.service'
				: 'mkdir -p -m 0755 /run/sshd && /usr/sbin/sshd -E /var/log/sshd.log');
			await waitForSsh();
		};

		const stopSshd = async (): Promise<void> => {
			// Only the listener: on systemd, ssh.service has KillMode=process, and sessions are its children.
			await execChecked(kind === 'systemd'
				? 'systemctl stop ssh.service'
				: 'pid=$(cat /run/sshd.pid 2>/dev/null) || exit 0; kill "$pid" 2>/dev/null || exit 0; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done');
			await until(`test host ${name}: sshd stopped`, timeoutMs, async () => portRefuses(ip), exited);
		};

		if (kind === 'no-init') {
			// What the machinist-test-cgroups unit does at boot on a systemd host.
			await execChecked('/usr/local/sbin/machinist-test-cgroups');
			await startSshd();
		} else {
			await waitForSsh();
		}

		return {
			name,
			ip,
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
				const files = fs.readdirSync(dir).filter(file => /^ssh_host_\w+_key\.pub$/.test(file)).sort();
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
			logs,
			stop,
		};
	} catch (error) {
		const output = logs();
		await stop().catch(() => undefined);
		if (output !== '' && error instanceof Error && !error.message.includes(output.trimEnd().slice(-200))) error.message += `\nconsole:\n${lastLines(output, 20)}`;
		throw error;
	}
}
