import {writeFile} from 'node:fs/promises';
import type {DockerSeed} from '../driver-context.js';

/**
 * A cloud-init NoCloud seed: an ISO 9660 volume labelled `cidata` holding `user-data` and
 * `meta-data`. Written here (no mkisofs needed): a primary volume descriptor, a terminator,
 * the two path tables and one root directory, then the files. Any VM driver attaches it as a
 * disk or DVD; cloud-init finds it by its label.
 */
const sector = 2048;

function bothEndian32(value: number): Buffer {
	const buffer = Buffer.alloc(8);
	buffer.writeUInt32LE(value, 0);
	buffer.writeUInt32BE(value, 4);
	return buffer;
}

function bothEndian16(value: number): Buffer {
	const buffer = Buffer.alloc(4);
	buffer.writeUInt16LE(value, 0);
	buffer.writeUInt16BE(value, 2);
	return buffer;
}

function padded(text: string, length: number): Buffer {
	return Buffer.from(text.padEnd(length, ' ').slice(0, length), 'ascii');
}

/** The 7-byte date of a directory record. */
function recordDate(date: Date): Buffer {
	return Buffer.from([
		date.getUTCFullYear() - 1900,
		date.getUTCMonth() + 1,
		date.getUTCDate(),
		date.getUTCHours(),
		date.getUTCMinutes(),
		date.getUTCSeconds(),
		0,
	]);
}

/** The 17-byte date of a volume descriptor: `YYYYMMDDHHMMSScc` and a zone offset. */
function volumeDate(date: Date): Buffer {
	const text = date.toISOString().replaceAll(/\D/g, '').slice(0, 16);
	return Buffer.concat([Buffer.from(text, 'ascii'), Buffer.from([0])]);
}

function directoryRecord(name: Buffer, extent: number, size: number, isDirectory: boolean, date: Date): Buffer {
	const length = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
	const record = Buffer.alloc(length);
	record[0] = length;
	bothEndian32(extent).copy(record, 2);
	bothEndian32(size).copy(record, 10);
	recordDate(date).copy(record, 18);
	record[25] = isDirectory ? 2 : 0;
	bothEndian16(1).copy(record, 28);
	record[32] = name.length;
	name.copy(record, 33);
	return record;
}

function pathTable(rootExtent: number, bigEndian: boolean): Buffer {
	const table = Buffer.alloc(10);
	table[0] = 1;
	if (bigEndian) table.writeUInt32BE(rootExtent, 2);
	else table.writeUInt32LE(rootExtent, 2);
	if (bigEndian) table.writeUInt16BE(1, 6);
	else table.writeUInt16LE(1, 6);
	return table;
}

/** An ISO 9660 image with the given label and files in its root directory (names as given). */
export function isoImage(label: string, files: Readonly<Record<string, string | Buffer>>, date = new Date()): Buffer {
	const entries = Object.entries(files)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([name, content]) => ({name, data: Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8')}));
	const pvdSector = 16;
	const lTableSector = 18;
	const mTableSector = 19;
	const rootSector = 20;
	let next = rootSector + 1;
	const placed = entries.map(entry => {
		const extent = next;
		next += Math.max(1, Math.ceil(entry.data.length / sector));
		return {...entry, extent};
	});
	const totalSectors = next;

	const root = Buffer.concat([
		directoryRecord(Buffer.from([0]), rootSector, sector, true, date),
		directoryRecord(Buffer.from([1]), rootSector, sector, true, date),
		...placed.map(entry => directoryRecord(Buffer.from(entry.name, 'ascii'), entry.extent, entry.data.length, false, date)),
	]);
	if (root.length > sector) throw new Error('too many files for a one-sector root directory');

	const pvd = Buffer.alloc(sector);
	pvd[0] = 1;
	pvd.write('CD001', 1, 'ascii');
	pvd[6] = 1;
	padded('LINUX', 32).copy(pvd, 8);
	padded(label, 32).copy(pvd, 40);
	bothEndian32(totalSectors).copy(pvd, 80);
	bothEndian16(1).copy(pvd, 120);
	bothEndian16(1).copy(pvd, 124);
	bothEndian16(sector).copy(pvd, 128);
	bothEndian32(10).copy(pvd, 132);
	pvd.writeUInt32LE(lTableSector, 140);
	pvd.writeUInt32BE(mTableSector, 148);
	directoryRecord(Buffer.from([0]), rootSector, sector, true, date).copy(pvd, 156);
	for (const [offset, length] of [
		[190, 128],
		[318, 128],
		[446, 128],
		[574, 128],
		[702, 37],
		[739, 37],
		[776, 37],
	] as const)
		padded('', length).copy(pvd, offset);
	padded('MACHINIST', 128).copy(pvd, 574);
	volumeDate(date).copy(pvd, 813);
	volumeDate(date).copy(pvd, 830);
	Buffer.from('0000000000000000\0', 'ascii').copy(pvd, 847);
	Buffer.from('0000000000000000\0', 'ascii').copy(pvd, 864);
	pvd[881] = 1;

	const terminator = Buffer.alloc(sector);
	terminator[0] = 255;
	terminator.write('CD001', 1, 'ascii');
	terminator[6] = 1;

	const image = Buffer.alloc(totalSectors * sector);
	pvd.copy(image, pvdSector * sector);
	terminator.copy(image, (pvdSector + 1) * sector);
	pathTable(rootSector, false).copy(image, lTableSector * sector);
	pathTable(rootSector, true).copy(image, mTableSector * sector);
	root.copy(image, rootSector * sector);
	for (const entry of placed) entry.data.copy(image, entry.extent * sector);
	return image;
}

export type SeedConfig = {
	/** Unique per machine: cloud-init runs its first-boot modules once per instance id. */
	instanceId: string;
	hostname: string;
	user: string;
	publicKey: string;
	/**
	 * Shares to mount at every boot: the tag (QEMU's 9p or virtiofs mount tag, or VirtualBox's
	 * shared folder name), where the guest sees it, the file system (9p unless given) and its
	 * mount options (for 9p, uncached 256 KiB messages unless given).
	 */
	shares?: ReadonlyArray<{tag: string; guestPath: string; fs?: '9p' | 'vboxsf' | 'virtiofs'; options?: string}>;
	/** dockerd's TLS files and options, so that its first start is already secured. */
	docker?: DockerSeed;
	/**
	 * The guest's SSH host key (ed25519, OpenSSH format), made on this computer so that it is
	 * pinned before the first connection instead of trusted on it.
	 */
	hostKey?: {privateKey: string; publicKey: string};
	/** cloud-init turns itself off during the first boot (/etc/cloud/cloud-init.disabled), for the boots after it. */
	firstBootOnly?: boolean;
};

/** The file whose presence keeps cloud-init from running at a boot. */
const cloudInitDisabled = '/etc/cloud/cloud-init.disabled';

/** What a share is mounted with: its own options, or for 9p uncached 256 KiB messages. */
function shareOptions(share: NonNullable<SeedConfig['shares']>[number]): string {
	return share.options ?? ((share.fs ?? '9p') === '9p' ? 'trans=virtio,version=9p2000.L,msize=262144,cache=none' : '');
}

/** One word for the guest's POSIX shell (vm/ stands below ssh/, whose shellQuote checks more). */
function shQuote(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", String.raw`'\''`)}'`;
}

/** The cloud-init stages a first-boot-only seed skips: they run after sshd and dockerd start. */
const skippedStages = ['cloud-config.service', 'cloud-final.service'];

const skipLaterStagesScript = [
	'if [ -d /run/systemd/system ]; then',
	`touch ${cloudInitDisabled}`,
	String.raw`for unit in ${skippedStages.join(' ')}; do mkdir -p /run/systemd/system/$unit.d && printf '[Unit]\nConditionPathExists=!${cloudInitDisabled}\n' > /run/systemd/system/$unit.d/10-machinist.conf; done`,
	'fi',
].join('\n');

function yamlString(text: string): string {
	return JSON.stringify(text);
}

/** user-data and meta-data for a machine's first boot. */
export function nocloudFiles(config: SeedConfig): {'user-data': string; 'meta-data': string} {
	// nofail: a share that cannot be mounted must not stop the boot. But nofail also drops the
	// mount's order before local-fs.target, and then Debian's boot-time cleanup of /tmp
	// (systemd-tmpfiles-setup, after local-fs.target) can run while a slow mount is still under way
	// and delete its mount point: a share of a folder under /tmp then failed to mount at every boot
	// after the first on a loaded machine, and dockerd started its --restart containers on an empty
	// folder. The order comes back with x-systemd.before, so the cleanup and dockerd (both after
	// local-fs.target) wait for the share, mounted or not.
	const mountOptions = 'nofail,x-systemd.before=local-fs.target';
	const fstab = (config.shares ?? []).map(
		share =>
			// Linux's own vboxsf (5.6 and later) mounts a VirtualBox shared folder by its name, without the guest additions.
			`${share.tag} ${share.guestPath.replaceAll(' ', String.raw`\040`)} ${share.fs ?? '9p'} ${[shareOptions(share), mountOptions].filter(Boolean).join(',')} 0 0`,
	);
	const lines = [
		'#cloud-config',
		`hostname: ${yamlString(config.hostname)}`,
		// Without it sudo warns that it cannot resolve the host name.
		'manage_etc_hosts: localhost',
		'ssh_pwauth: false',
		'users:',
		`  - name: ${yamlString(config.user)}`,
		// Images with Docker preinstalled already have a `docker` group, which a user of the same name would collide with.
		'    no_user_group: true',
		'    groups: [sudo]',
		'    shell: /bin/bash',
		'    sudo: "ALL=(ALL) NOPASSWD:ALL"',
		'    lock_passwd: true',
		'    ssh_authorized_keys:',
		`      - ${yamlString(config.publicKey.trim())}`,
		'growpart: {mode: auto, devices: ["/"]}',
		'resize_rootfs: true',
	];
	if (config.hostKey) {
		lines.push(
			// The image's own host keys (the same in every VM made from it) go, and none is made in the
			// guest (cloud-init makes keys only when the seed gives none): this one is already pinned,
			// and making RSA and ECDSA keys cost a first boot under emulation some seconds before sshd
			// and dockerd could start.
			'ssh_deletekeys: true',
			'ssh_keys:',
			'  ed25519_private: |',
			...config.hostKey.privateKey
				.trim()
				.split('\n')
				.map(line => `    ${line}`),
			`  ed25519_public: ${yamlString(config.hostKey.publicKey.trim())}`,
		);
	}

	// What ssh_pwauth asks of cloud-init's config stage, which a first-boot-only seed skips; in
	// sshd's own drop-in folder it holds from sshd's first start, with no restart.
	const writeFiles: string[] = ['  - path: /etc/ssh/sshd_config.d/10-machinist.conf', String.raw`    content: "PasswordAuthentication no\n"`];
	for (const file of config.docker?.files ?? []) {
		writeFiles.push(
			`  - path: ${yamlString(file.path)}`,
			`    permissions: "0${file.mode.toString(8)}"`,
			'    encoding: b64',
			`    content: ${Buffer.from(file.content, 'utf8').toString('base64')}`,
		);
	}

	if (fstab.length > 0) {
		writeFiles.push('  - path: /etc/fstab', '    append: true', '    content: |');
		for (const line of fstab) writeFiles.push(`      ${line}`);
	}

	lines.push('write_files:', ...writeFiles);
	// bootcmd runs early in the first boot, in cloud-init's init stage, before sshd and dockerd
	// start (both after sysinit.target, which waits for that stage).
	const bootcmd: string[] = [];
	// Under systemd the file is read once, by cloud-init's generator at the start of a boot, so it
	// can be written this early: the rest of this first boot still runs, and a machine stopped
	// right after create already boots without cloud-init next time. cloud-init's config and final
	// stages have nothing to do for this seed (the shares are mounted below, passwords are off in
	// sshd's own configuration), yet under emulation their Python took some 13 s of CPU while
	// dockerd started: this boot skips them too, by a condition on that file that goes with /run.
	// Elsewhere (OpenRC) each stage reads the file, so it waits for runcmd, the last thing.
	if (config.firstBootOnly) bootcmd.push(`  - [sh, -c, ${yamlString(skipLaterStagesScript)}]`);
	if (config.docker) bootcmd.push(`  - [cloud-init-per, instance, machinist-docker, sh, -c, ${yamlString(config.docker.script)}]`);
	// Mounted here, not from runcmd: dockerd may start containers with these folders as volumes,
	// and the final stage may not run. The fstab lines (written after bootcmd) mount them later.
	for (const [index, share] of (config.shares ?? []).entries()) {
		const mount = ['mount', '-t', share.fs ?? '9p', ...(shareOptions(share) ? ['-o', shareOptions(share)] : []), share.tag, share.guestPath];
		bootcmd.push(
			`  - [cloud-init-per, instance, machinist-share${index}, sh, -c, ${yamlString(`mkdir -p ${shQuote(share.guestPath)} && ${mount.map(word => shQuote(word)).join(' ')} || true`)}]`,
		);
	}

	// One reload picks up dockerd's drop-in and the skipped stages' conditions.
	if (config.docker || config.firstBootOnly)
		bootcmd.push(
			`  - [cloud-init-per, instance, machinist-reload, sh, -c, ${yamlString('if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi')}]`,
		);
	if (bootcmd.length > 0) lines.push('bootcmd:', ...bootcmd);
	// runcmd runs last in the first boot, so everything before it has happened.
	if (config.firstBootOnly) lines.push('runcmd:', `  - [touch, ${cloudInitDisabled}]`);

	return {
		'user-data': `${lines.join('\n')}\n`,
		'meta-data': `instance-id: ${yamlString(config.instanceId)}\nlocal-hostname: ${yamlString(config.hostname)}\n`,
	};
}

/** Writes the `cidata` seed ISO for a machine. */
export async function writeSeedIso(file: string, config: SeedConfig): Promise<void> {
	await writeFile(file, isoImage('cidata', nocloudFiles(config)), {mode: 0o600});
}
