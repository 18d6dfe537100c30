/**
 * The arm64 twin of the qemu tests' Debian image (./vm-image.ts), for `--qemu-arch aarch64`:
 * the same packages, the same preparation, booted the way arm64 cloud images boot. It is built
 * on this x86 machine from Debian's packages only: `debootstrap --foreign --arch=arm64` unpacks
 * the tree, and its second stage (and everything after it) runs arm64 programs under
 * qemu-user-static through binfmt_misc. UEFI firmware (qemu-efi-aarch64) starts GRUB from the
 * removable-media path of an EFI system partition (EFI/BOOT/BOOTAA64.EFI, Debian's
 * grub-efi-arm64 made into one file with its config inside), which loads the arm64 kernel from
 * the ext4 root. Cached like the x86 image: its name carries a hash of its recipe.
 *
 * Also here: a tar of Debian's arm64 busybox-static, for `docker import` inside the VM, so an
 * arm64 container runs with no registry.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import path from 'node:path';
import {packBusyboxTar} from './hosts/image.js';
import {commandExists, run, runChecked, systemPath, withLock} from './hosts/process.js';
import {cacheDir, mirror, packages, prepareScript, suite, writeDisk, writeRootPartition} from './vm-image.js';

const arm64Packages = [...packages.map(name => (name === 'linux-image-amd64' ? 'linux-image-arm64' : name)), 'grub-efi-arm64-bin'];

/** GRUB's own config, inside BOOTAA64.EFI: find the root by label and boot its kernel. */
const grubConfig = `insmod part_gpt
insmod ext2
search --no-floppy --label root --set=root
linux /vmlinuz root=LABEL=root ro console=ttyAMA0 net.ifnames=0
initrd /initrd.img
boot
`;

/** After the shared preparation: GRUB for the removable boot path, written where the builder picks it up. */
const grubScript = `set -eu
cat > /tmp/grub.cfg <<'EOF'
${grubConfig}EOF
grub-mkstandalone -O arm64-efi -o /boot/BOOTAA64.EFI --modules="part_gpt ext2 search linux" "boot/grub/grub.cfg=/tmp/grub.cfg"
rm /tmp/grub.cfg
`;

const recipe = {suite, packages: arm64Packages, prepareScript, grubScript, layout: 'gpt-esp-grub-removable+ext4-v1'};
const recipeHash = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);

/** Where the arm64 image lives (it may not be built yet). */
export const vmArm64ImagePath = path.join(cacheDir, `vm-arm64-${suite}-${recipeHash}.qcow2`);

/** Where the arm64 UEFI firmware comes from on this (Debian) machine. */
const firmware = '/usr/share/AAVMF/AAVMF_CODE.fd';

const needed: Array<[string, string]> = [
	['qemu-system-aarch64', 'qemu-system-arm'],
	['qemu-aarch64-static', 'qemu-user-static'],
	['update-binfmts', 'binfmt-support'],
	['qemu-img', 'qemu-utils'],
	['debootstrap', 'debootstrap'],
	['mcopy', 'mtools'],
	['mkfs.vfat', 'dosfstools'],
	['sfdisk', 'fdisk'],
	['mkfs.ext4', 'e2fsprogs'],
	['isoinfo', 'genisoimage'],
];

/** Whether the arm64 VM test can run here; the reason names what to install when not. */
export function vmArm64TestsAvailable(): {ok: true} | {ok: false; why: string} {
	if (process.platform !== 'linux') return {ok: false, why: 'the arm64 VM test builds its image with debootstrap and needs Linux'};
	if (process.getuid?.() !== 0 && !fs.existsSync(vmArm64ImagePath)) return {ok: false, why: 'building the arm64 VM test image needs root (debootstrap)'};
	const missing = needed.filter(([command]) => !commandExists(command)).map(([, pkg]) => pkg);
	if (!fs.existsSync(firmware)) missing.push('qemu-efi-aarch64');
	if (missing.length > 0) return {ok: false, why: `the arm64 VM test needs: apt-get install -y ${[...new Set(missing)].join(' ')}`};
	return {ok: true};
}

const env = {PATH: systemPath, LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive'};

/** arm64 programs run here through binfmt_misc; a container may have it unmounted, or the handler off. */
async function ensureBinfmt(): Promise<void> {
	if (fs.existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) return;
	if (!fs.existsSync('/proc/sys/fs/binfmt_misc/register')) await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc']);
	await runChecked('update-binfmts', ['--enable', 'qemu-aarch64']);
}

function log(line: string): void {
	process.stderr.write(`machinist arm64 VM test image: ${line}\n`);
}

let imagePromise: Promise<string> | undefined;

/** The cached arm64 image, built on first use (8 minutes here under emulation; progress on stderr). */
export async function ensureVmArm64Image(): Promise<string> {
	imagePromise ??= (async () => {
		if (fs.existsSync(vmArm64ImagePath)) return vmArm64ImagePath;
		return withLock(path.join(cacheDir, 'build-arm64.lock'), async () => {
			if (!fs.existsSync(vmArm64ImagePath)) await buildImage();
			return vmArm64ImagePath;
		});
	})();
	imagePromise.catch(() => {
		imagePromise = undefined;
	});
	return imagePromise;
}

async function buildImage(): Promise<void> {
	const started = Date.now();
	for (const entry of fs.readdirSync(cacheDir)) {
		if (entry.startsWith('vm-arm64-') && /\.(tmp|part)-\d+$/.test(entry)) fs.rmSync(path.join(cacheDir, entry), {recursive: true, force: true});
	}

	await ensureBinfmt();
	const work = `${vmArm64ImagePath}.tmp-${process.pid}`;
	fs.mkdirSync(path.join(cacheDir, 'debs'), {recursive: true});
	fs.mkdirSync(work, {recursive: true});
	const rootfs = path.join(work, 'rootfs');
	try {
		log(`building ${suite} for arm64 with ${arm64Packages.join(', ')} (once; arm64 programs run emulated, so this takes long)`);
		await runChecked(
			'debootstrap',
			[
				'--foreign',
				'--arch=arm64',
				'--variant=minbase',
				`--include=${arm64Packages.join(',')}`,
				`--cache-dir=${path.join(cacheDir, 'debs')}`,
				suite,
				rootfs,
				mirror,
			],
			{env},
		);
		// The kernel's own postinst builds an initramfs before the preparation does; with every
		// module in it that takes over ten emulated minutes here, so it gets the small list at once
		// (the preparation writes the same setting, and builds the initramfs the image keeps).
		fs.mkdirSync(path.join(rootfs, 'etc/initramfs-tools/conf.d'), {recursive: true});
		fs.writeFileSync(path.join(rootfs, 'etc/initramfs-tools/conf.d/machinist-test'), 'MODULES=list\n');
		// dpkg syncs every file it unpacks; a throwaway tree does not need that (mmdebstrap does the same).
		const unsafeIo = path.join(rootfs, 'etc/dpkg/dpkg.cfg.d/machinist-unsafe-io');
		fs.mkdirSync(path.dirname(unsafeIo), {recursive: true});
		fs.writeFileSync(unsafeIo, 'force-unsafe-io\n');
		log(`second stage under qemu-user-static (${Math.round((Date.now() - started) / 1000)} s so far)`);
		await runChecked('chroot', [rootfs, '/debootstrap/debootstrap', '--second-stage'], {env});
		log(`preparing the tree (${Math.round((Date.now() - started) / 1000)} s so far)`);
		await runChecked('chroot', [rootfs, '/bin/sh', '-s'], {input: prepareScript, env});
		await runChecked('chroot', [rootfs, '/bin/sh', '-s'], {input: grubScript, env});
		fs.rmSync(unsafeIo);
		for (const mount of ['proc', 'sys', 'dev/pts', 'dev']) await run('umount', ['--lazy', path.join(rootfs, mount)]);

		log('writing the EFI system partition');
		const esp = path.join(work, 'esp.img');
		const espMiB = 64;
		await runChecked('mkfs.vfat', ['-n', 'EFI', '-C', esp, String(espMiB * 1024)]);
		await runChecked('mmd', ['-i', esp, '::/EFI', '::/EFI/BOOT']);
		await runChecked('mcopy', ['-i', esp, path.join(rootfs, 'boot/BOOTAA64.EFI'), '::/EFI/BOOT/BOOTAA64.EFI']);
		fs.rmSync(path.join(rootfs, 'boot/BOOTAA64.EFI'));

		log('writing the root partition');
		const {root, rootMiB} = await writeRootPartition(rootfs, work);

		log('assembling the disk');
		const sectorsPerMiB = 2048;
		// One MiB before the partitions and one after, for GPT's two copies of its table.
		await writeDisk(
			work,
			vmArm64ImagePath,
			1 + espMiB + rootMiB + 1,
			`label: gpt\nstart=${sectorsPerMiB}, size=${espMiB * sectorsPerMiB}, type=U\nstart=${(1 + espMiB) * sectorsPerMiB}, size=${rootMiB * sectorsPerMiB}, type=L\n`,
			[
				[esp, 1],
				[root, 1 + espMiB],
			],
		);
	} finally {
		for (const mount of ['proc', 'sys', 'dev/pts', 'dev']) await run('umount', ['--lazy', path.join(rootfs, mount)]);
		fs.rmSync(work, {recursive: true, force: true});
	}

	log(`built ${vmArm64ImagePath} (${Math.round(fs.statSync(vmArm64ImagePath).size / 1024 / 1024)} MiB) in ${Math.round((Date.now() - started) / 1000)} s`);
}

const busyboxTarPath = path.join(cacheDir, `busybox-arm64-${suite}.tar`);
let busyboxPromise: Promise<string> | undefined;

/**
 * A tar of Debian's arm64 busybox-static and its applet links, for `docker import` in an arm64
 * VM. The .deb is fetched as debootstrap fetches packages (its index, its mirror), unpacked here.
 */
export async function busyboxArm64Tar(): Promise<string> {
	busyboxPromise ??= (async () => {
		if (fs.existsSync(busyboxTarPath)) return busyboxTarPath;
		const stage = await mkdtemp(path.join(cacheDir, 'busybox-arm64.tmp-'));
		try {
			const download = path.join(stage, 'download');
			await runChecked(
				'debootstrap',
				[
					'--download-only',
					'--arch=arm64',
					'--variant=minbase',
					'--include=busybox-static',
					`--cache-dir=${path.join(cacheDir, 'debs')}`,
					suite,
					download,
					mirror,
				],
				{env},
			);
			const archives = [path.join(download, 'var/cache/apt/archives'), path.join(cacheDir, 'debs')];
			const deb = archives
				.filter(dir => fs.existsSync(dir))
				.flatMap(dir => fs.readdirSync(dir).map(name => path.join(dir, name)))
				.find(file => /\/busybox-static_[^/]*_arm64\.deb$/.test(file));
			if (!deb) throw new Error(`debootstrap fetched no arm64 busybox-static into ${archives.join(' or ')}`);
			const tree = path.join(stage, 'tree');
			await runChecked('dpkg-deb', ['-x', deb, tree]);
			const busybox = ['bin/busybox', 'usr/bin/busybox'].map(file => path.join(tree, file)).find(file => fs.existsSync(file));
			if (!busybox) throw new Error(`${deb} holds no bin/busybox`);
			return await packBusyboxTar(busybox, await runChecked('qemu-aarch64-static', [busybox, '--list']), busyboxTarPath);
		} finally {
			await rm(stage, {recursive: true, force: true});
		}
	})();
	busyboxPromise.catch(() => {
		busyboxPromise = undefined;
	});
	return busyboxPromise;
}
