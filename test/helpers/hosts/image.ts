/**
 * The Debian image every test host boots (built once with debootstrap and cached) and the busybox
 * tar that hosts import as a Docker image without a registry.
 *
 * What it takes from this machine, on purpose: the cache directory (MACHINIST_TEST_CACHE, default
 * /var/cache/machinist-test) and the mirror (MACHINIST_TEST_MIRROR). Nothing in the cache is
 * trusted by name alone: an image's directory, and the busybox tar, carry a hash of the recipe
 * that made them, so files left by a run with another recipe are never used (and old images are
 * removed once no host has them mounted); half-built ones (`.tmp-`) are removed before a build.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import path from 'node:path';
import {removeTree, runChecked, systemPath, withLock} from './process.js';

/** The password of user `needpw`, whose sudo asks for it (`deploy` has passwordless sudo). */
export const needpwPassword = 'needpw-password';

const cacheDir = process.env.MACHINIST_TEST_CACHE ?? '/var/cache/machinist-test';
const mirror = process.env.MACHINIST_TEST_MIRROR ?? 'http://deb.debian.org/debian';
const suite = 'bookworm';
const packages = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'docker.io', 'iproute2', 'ca-certificates', 'curl', 'procps', 'busybox-static'];

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
const prepareScript = String.raw`set -eu
useradd --create-home --shell /bin/bash deploy
useradd --create-home --shell /bin/bash needpw
echo 'needpw:${needpwPassword}' | chpasswd
echo 'deploy ALL=(ALL:ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy
echo 'needpw ALL=(ALL:ALL) ALL' > /etc/sudoers.d/needpw
chmod 0440 /etc/sudoers.d/deploy /etc/sudoers.d/needpw

# Key logins for root (Debian's default, made explicit); every host makes its own host keys.
printf 'PermitRootLogin prohibit-password\nUseDNS no\n' > /etc/ssh/sshd_config.d/machinist-test.conf
rm -f /etc/ssh/ssh_host_*

# An empty machine id makes systemd derive a new one for each container.
: > /etc/machine-id
ln -sf /etc/machine-id /var/lib/dbus/machine-id
echo debian > /etc/hostname
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > /etc/hosts

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
/** Where the current recipe's image lives (it may not be built yet). */
export const rootfsPath = path.join(cacheDir, `${suite}-${recipeHash}`);

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
		await runChecked(
			'debootstrap',
			[
				'--variant=minbase',
				`--include=${packages.join(',')}`,
				// Keeps the .debs, so a changed recipe rebuilds without downloading everything again.
				`--cache-dir=${path.join(cacheDir, 'debs')}`,
				suite,
				temporary,
				mirror,
			],
			{
				onLine(line) {
					// One line per package and step is too much; the steps themselves are progress enough.
					if (/^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) \S+( \S+|\.\.\.)$/.test(line) || line.trim() === '') return;
					log(line);
				},
			},
		);
		log('preparing users, sshd, and units');
		await runChecked('chroot', [temporary, '/bin/sh', '-s'], {
			input: prepareScript,
			env: {PATH: systemPath, LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive'},
		});
		fs.writeFileSync(
			path.join(temporary, 'etc/machinist-test-image.json'),
			`${JSON.stringify({...recipe, built: new Date().toISOString()}, undefined, '\t')}\n`,
		);
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

let busyboxPromise: Promise<string> | undefined;

/**
 * Writes `tarPath`: a Docker image's root of a static busybox and a link per applet (`applets`:
 * its `--list`), owners and times fixed, so the same binary gives the same tar.
 */
export async function packBusyboxTar(busybox: string, applets: string, tarPath: string): Promise<string> {
	const stage = await mkdtemp(path.join(path.dirname(tarPath), 'busybox.tmp-'));
	try {
		fs.mkdirSync(path.join(stage, 'bin'));
		fs.copyFileSync(busybox, path.join(stage, 'bin/busybox'));
		for (const applet of applets.split('\n').filter(name => /^[\w.[-]+$/.test(name) && name !== 'busybox')) {
			fs.symlinkSync('busybox', path.join(stage, 'bin', applet));
		}

		const partial = `${tarPath}.tmp-${process.pid}`;
		await runChecked('tar', [
			'--create',
			'--file',
			partial,
			'--directory',
			stage,
			'--sort=name',
			'--owner=0',
			'--group=0',
			'--numeric-owner',
			'--mtime=@0',
			'.',
		]);
		// Several test processes may build it at once; each rename leaves a complete file.
		fs.renameSync(partial, tarPath);
		return tarPath;
	} finally {
		await rm(stage, {recursive: true, force: true});
	}
}

/**
 * A tar of Debian's static busybox and its applet links, for `docker import tar IMAGE` inside a
 * host: `docker run IMAGE echo ok` then works with no registry.
 */
export async function busyboxImageTar(): Promise<string> {
	busyboxPromise ??= (async () => {
		const rootfs = await ensureRootfs();
		const tarPath = path.join(cacheDir, `busybox-${recipeHash}.tar`);
		if (fs.existsSync(tarPath)) return tarPath;
		const busybox = path.join(rootfs, 'usr/bin/busybox');
		return packBusyboxTar(busybox, await runChecked(busybox, ['--list']), tarPath);
	})();
	busyboxPromise.catch(() => {
		busyboxPromise = undefined;
	});
	return busyboxPromise;
}
