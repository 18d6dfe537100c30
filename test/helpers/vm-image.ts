/**
 * A small bootable Debian cloud image for the qemu driver's tests, built from Debian packages
 * and cached like the test-host image. It boots the way a distribution's cloud image does: an
 * MBR with syslinux on a FAT partition loads the kernel and initramfs, the root is an ext4
 * partition, and cloud-init (NoCloud) makes the user, the host name and grows the root on
 * first boot. Docker (Debian's docker.io) is preinstalled, because test VMs have no route to a
 * package mirror; a variant without it (`no-docker`) is for the tests that install Docker from a
 * local repository (./docker-repo.ts).
 *
 * No loop devices: the FAT partition is made in a file with mkfs.vfat, filled with mcopy and
 * made bootable with `syslinux --install`; the root with `mkfs.ext4 -d`; both are copied into a
 * raw disk partitioned with sfdisk, which is then converted to qcow2.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {commandExists, runChecked, systemPath, withLock} from './hosts/process.js';

export const cacheDir = process.env.MACHINIST_TEST_CACHE ?? '/var/cache/machinist-test';
export const mirror = process.env.MACHINIST_TEST_MIRROR ?? 'http://deb.debian.org/debian';
export const suite = 'bookworm';
export const packages = [
	'systemd',
	'systemd-sysv',
	'dbus',
	'udev',
	'kmod',
	'linux-image-amd64',
	'initramfs-tools',
	// cloud-init's cffi dependency is virtual, which debootstrap cannot resolve by itself.
	'cloud-init',
	'python3-cffi-backend',
	'cloud-guest-utils',
	// Debian's kernel enables AppArmor, and dockerd will not run containers without its parser.
	'openssh-server',
	'sudo',
	'apparmor',
	'docker.io',
	'iproute2',
	'ca-certificates',
	'procps',
];

const bootConfig = `SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=root ro console=ttyS0,115200 net.ifnames=0
`;

/** Runs in a chroot of the bootstrapped tree. Part of the image's cache key. */
export const prepareScript = `set -eu
echo 'LABEL=root / ext4 defaults,errors=remount-ro 0 1' > /etc/fstab
mkdir -p /etc/systemd/network
printf '[Match]\\nName=e*\\n\\n[Network]\\nDHCP=yes\\n' > /etc/systemd/network/10-dhcp.network
systemctl enable systemd-networkd.service
# slirp's resolver; the VMs never need it, but tools complain without one.
echo 'nameserver 10.0.2.3' > /etc/resolv.conf
mkdir -p /etc/cloud/cloud.cfg.d
printf 'datasource_list: [NoCloud, None]\\nnetwork: {config: disabled}\\n' > /etc/cloud/cloud.cfg.d/90-machinist-test.cfg
printf 'UseDNS no\\n' > /etc/ssh/sshd_config.d/machinist-test.conf
rm -f /etc/ssh/ssh_host_*
: > /etc/machine-id
echo debian > /etc/hostname
printf '127.0.0.1\\tlocalhost\\n::1\\t\\tlocalhost ip6-localhost ip6-loopback\\n' > /etc/hosts
echo '# machinist test VM: no network, packages come from local files' > /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*
# An initramfs with only what this VM boots from: a third of the size, and seconds less under TCG.
echo MODULES=list > /etc/initramfs-tools/conf.d/machinist-test
printf 'virtio_pci\nvirtio_blk\next4\n' >> /etc/initramfs-tools/modules
update-initramfs -u
systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer e2scrub_reap.service getty@tty1.service
`;

/** `docker`: Debian's docker.io preinstalled; `no-docker`: a VM where provisioning has to install it. */
export type VmImageVariant = 'docker' | 'no-docker';

const variantPackages: Record<VmImageVariant, string[]> = {
	docker: packages,
	// curl, as cloud images have it: a host with neither curl nor wget cannot fetch an install
	// script, and provisioning's fallback (installing curl with apt) needs a package mirror.
	'no-docker': [...packages.filter(name => name !== 'docker.io'), 'curl'],
};

function recipeOf(variant: VmImageVariant) {
	return {suite, packages: variantPackages[variant], prepareScript, bootConfig, layout: 'mbr-syslinux-fat+ext4-v1'};
}

/** Where a variant's image lives (it may not be built yet); its name carries a hash of its recipe. */
export function vmImagePathOf(variant: VmImageVariant): string {
	const recipeHash = createHash('sha256')
		.update(JSON.stringify(recipeOf(variant)))
		.digest('hex')
		.slice(0, 12);
	return path.join(cacheDir, `vm-${suite}-${recipeHash}.qcow2`);
}

export const vmImagePath = vmImagePathOf('docker');

const needed: Array<[string, string]> = [
	['qemu-system-x86_64', 'qemu-system-x86'],
	['qemu-img', 'qemu-utils'],
	['debootstrap', 'debootstrap'],
	['mcopy', 'mtools'],
	['mkfs.vfat', 'dosfstools'],
	['syslinux', 'syslinux'],
	['sfdisk', 'fdisk'],
	['mkfs.ext4', 'e2fsprogs'],
	['isoinfo', 'genisoimage'],
];

/** Whether the VM tests can run here; the reason names what to install when not. */
export function vmTestsAvailable(): {ok: true} | {ok: false; why: string} {
	if (process.platform !== 'linux' || process.arch !== 'x64') return {ok: false, why: 'the VM tests boot an x86_64 image and need Linux on x86_64'};
	if (process.getuid?.() !== 0 && !fs.existsSync(vmImagePath)) return {ok: false, why: 'building the VM test image needs root (debootstrap)'};
	const missing = needed.filter(([command]) => !commandExists(command)).map(([, pkg]) => pkg);
	if (missing.length > 0) return {ok: false, why: `the VM tests need: apt-get install -y ${[...new Set(missing)].join(' ')}`};
	if (!fs.existsSync('/usr/lib/syslinux/mbr/mbr.bin')) return {ok: false, why: 'the VM tests need: apt-get install -y syslinux-common'};
	return {ok: true};
}

const imagePromises = new Map<VmImageVariant, Promise<string>>();

/** The cached image, built on first use (a few minutes; progress on stderr). */
export async function ensureVmImage(variant: VmImageVariant = 'docker'): Promise<string> {
	const imagePath = vmImagePathOf(variant);
	let promise = imagePromises.get(variant);
	if (!promise) {
		promise = (async () => {
			if (fs.existsSync(imagePath)) return imagePath;
			return withLock(path.join(cacheDir, 'build.lock'), async () => {
				if (!fs.existsSync(imagePath)) await buildImage(variant, imagePath);
				return imagePath;
			});
		})();
		imagePromises.set(variant, promise);
		promise.catch(() => {
			imagePromises.delete(variant);
		});
	}

	return promise;
}

async function buildImage(variant: VmImageVariant, imagePath: string): Promise<void> {
	const included = variantPackages[variant];
	const started = Date.now();
	const log = (line: string): void => {
		process.stderr.write(`machinist VM test image: ${line}\n`);
	};

	// Only one builder runs at a time (we hold the lock), so any temporary directory is a leftover.
	for (const entry of fs.readdirSync(cacheDir)) {
		if (entry.startsWith('vm-') && /\.(tmp|part)-\d+$/.test(entry)) fs.rmSync(path.join(cacheDir, entry), {recursive: true, force: true});
	}

	const work = `${imagePath}.tmp-${process.pid}`;
	fs.mkdirSync(path.join(cacheDir, 'debs'), {recursive: true});
	fs.mkdirSync(work, {recursive: true});
	const rootfs = path.join(work, 'rootfs');
	const env = {PATH: systemPath, LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive'};
	try {
		log(`building ${suite} with ${included.join(', ')} (once; takes a few minutes)`);
		await runChecked(
			'debootstrap',
			['--variant=minbase', `--include=${included.join(',')}`, `--cache-dir=${path.join(cacheDir, 'debs')}`, suite, rootfs, mirror],
			{env},
		);
		await runChecked('chroot', [rootfs, '/bin/sh', '-s'], {input: prepareScript, env});
		for (const mount of ['proc', 'sys', 'dev/pts', 'dev']) await runChecked('umount', ['--lazy', path.join(rootfs, mount)]).catch(() => undefined);

		log('writing the boot partition');
		const boot = path.join(work, 'boot.img');
		const bootMiB = 128;
		await runChecked('mkfs.vfat', ['-n', 'BOOT', '-C', boot, String(bootMiB * 1024)]);
		fs.writeFileSync(path.join(work, 'syslinux.cfg'), bootConfig);
		const kernel = fs.realpathSync(path.join(rootfs, 'vmlinuz'));
		const initrd = fs.realpathSync(path.join(rootfs, 'initrd.img'));
		await runChecked('mcopy', ['-i', boot, kernel, '::/vmlinuz']);
		await runChecked('mcopy', ['-i', boot, initrd, '::/initrd.img']);
		await runChecked('mcopy', ['-i', boot, path.join(work, 'syslinux.cfg'), '::/syslinux.cfg']);
		await runChecked('syslinux', ['--install', boot]);

		log('writing the root partition');
		const {root, rootMiB} = await writeRootPartition(rootfs, work);

		log('assembling the disk');
		const sectorsPerMiB = 2048;
		await writeDisk(
			work,
			imagePath,
			1 + bootMiB + rootMiB,
			`label: dos\nstart=${sectorsPerMiB}, size=${bootMiB * sectorsPerMiB}, type=c, bootable\nstart=${(1 + bootMiB) * sectorsPerMiB}, type=83\n`,
			[
				[boot, 1],
				[root, 1 + bootMiB],
			],
			async raw => {
				await runChecked('dd', ['if=/usr/lib/syslinux/mbr/mbr.bin', `of=${raw}`, 'bs=440', 'count=1', 'conv=notrunc', 'status=none']);
			},
		);
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}

	log(`built ${imagePath} (${Math.round(fs.statSync(imagePath).size / 1024 / 1024)} MiB) in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The ext4 root (label `root`) of a tree, as a file in `work` with room to spare; its size in MiB. */
export async function writeRootPartition(rootfs: string, work: string): Promise<{root: string; rootMiB: number}> {
	const usedMiB = Number((await runChecked('du', ['-sm', '--one-file-system', rootfs])).split('\t')[0]);
	const rootMiB = Math.ceil((usedMiB * 1.25 + 256) / 4) * 4;
	const root = path.join(work, 'root.img');
	await runChecked('mkfs.ext4', ['-q', '-L', 'root', '-d', rootfs, root, `${rootMiB}M`]);
	return {root, rootMiB};
}

/**
 * Writes the image: a raw disk of `sizeMiB` partitioned by sfdisk's `table`, `afterTable` run
 * on it (boot code), each partition file copied in at its MiB offset, converted to qcow2.
 */
export async function writeDisk(
	work: string,
	imagePath: string,
	sizeMiB: number,
	table: string,
	partitions: Array<[file: string, offsetMiB: number]>,
	afterTable?: (raw: string) => Promise<void>,
): Promise<void> {
	const raw = path.join(work, 'disk.raw');
	fs.writeFileSync(raw, '');
	fs.truncateSync(raw, sizeMiB * 1024 * 1024);
	await runChecked('sfdisk', ['--quiet', raw], {input: table});
	await afterTable?.(raw);
	for (const [file, offsetMiB] of partitions) {
		await runChecked('dd', [`if=${file}`, `of=${raw}`, 'bs=1M', `seek=${offsetMiB}`, 'conv=notrunc,sparse', 'status=none']);
	}

	const partial = `${imagePath}.part-${process.pid}`;
	await runChecked('qemu-img', ['convert', '-O', 'qcow2', raw, partial]);
	fs.renameSync(partial, imagePath);
}

let rawPromise: Promise<string> | undefined;

/**
 * The same image as a raw disk, as Debian publishes `.raw` beside `.qcow2` (the virtualbox
 * driver boots raw images: VBoxManage converts them itself). Sparse, cached beside the qcow2.
 */
export async function ensureVmRawImage(): Promise<string> {
	rawPromise ??= (async () => {
		const qcow2 = await ensureVmImage();
		const raw = qcow2.replace(/\.qcow2$/, '.raw');
		if (fs.existsSync(raw)) return raw;
		return withLock(path.join(cacheDir, 'build.lock'), async () => {
			if (!fs.existsSync(raw)) {
				const partial = `${raw}.part-${process.pid}`;
				await runChecked('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow2, partial]);
				fs.renameSync(partial, raw);
			}

			return raw;
		});
	})();
	rawPromise.catch(() => {
		rawPromise = undefined;
	});
	return rawPromise;
}
