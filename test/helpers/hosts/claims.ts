/**
 * Host records: what a host owns, written before it is created, so that whatever a crash leaves
 * can be found and removed by the next run; and the allocation of subnets under one lock, so that
 * test processes running side by side never take the same one.
 */
import fs from 'node:fs';
import path from 'node:path';
import {cgroupDirsOf, killAll, pidsIn, removeCgroups} from './cgroups.js';
import {comm, errorCode, isAlive, mountsUnder, processStart, removeTree, runSync, sleepSync, withLock} from './process.js';

// Claims and the allocation lock live with the network namespaces, in /run: a reboot clears all three.
export const stateDir = '/run/machinist-test';
// Overlay upper layers and docker data: on the real file system, which overlay2 needs.
export const hostsDir = '/var/tmp/machinist-test';
const namePattern = /^mt-(\d+)-\d+$/;

export type HostRecord = {
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

export function readClaims(): HostRecord[] {
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

/**
 * Kills every process of a host: its container's PID 1 first, which takes the whole pid
 * namespace (nested Docker containers included) with it, nspawn last, since it exits by itself
 * when its container does and only then removes its lock and propagation directory from /run;
 * what a killed nspawn leaves there is removed here. Synchronous, so the exit hook can use it.
 */
export function killHostSync(record: HostRecord, leader: number | undefined): void {
	if (leader !== undefined) killAll([leader]);
	for (let attempt = 0; attempt < 150; attempt++) {
		const pids = pidsIn(record.cgroups);
		if (pids.length === 0) break;
		killAll(attempt < 50 ? pids.filter(pid => comm(pid) !== 'systemd-nspawn') : pids);
		sleepSync(20);
	}

	fs.rmSync(path.join('/run/systemd/nspawn/propagate', record.name), {recursive: true, force: true});
	if (record.nspawnLock) fs.rmSync(record.nspawnLock, {force: true});
}

function vethExists(record: HostRecord): boolean {
	return record.veth !== '' && fs.existsSync(`/sys/class/net/${record.veth}`);
}

/** The host's network namespace and its veth pair: what a powered-off host has no more, and a boot makes anew. */
export function removeNetworkSync(record: HostRecord): void {
	if (fs.existsSync(path.join('/run/netns', record.name))) runSync('ip', ['netns', 'delete', record.name]);
	if (vethExists(record)) runSync('ip', ['link', 'delete', record.veth]);
}

/** Kills and removes everything a record names. Synchronous, so the exit hook can use it too. */
export function destroySync(record: HostRecord, leader: number | undefined): string[] {
	killHostSync(record, leader);
	const leftovers: string[] = [];
	if (mountsUnder(record.merged).length > 0 && runSync('umount', [record.merged]).code !== 0) {
		// Busy: someone has a file open in it. Detach it now; the kernel frees it when they close it.
		runSync('umount', ['--lazy', record.merged]);
	}

	removeNetworkSync(record);
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

	if (vethExists(record)) leftovers.push(`link ${record.veth}`);
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
export async function cleanupStale(): Promise<void> {
	staleCleanup ??= withLock(path.join(stateDir, 'lock'), async () => {
		for (const record of readClaims()) {
			if (!ownerAlive(record)) destroySync(record, undefined);
		}

		const dead = (name: string): boolean => {
			const match = namePattern.exec(name);
			return match !== null && !isAlive(Number(match[1]));
		};

		const stray = new Set<string>();
		for (const name of runSync('ip', ['netns', 'list'])
			.output.split('\n')
			.map(line => line.split(' ')[0] ?? '')) {
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
			destroySync(
				{
					name,
					n: -1,
					ownerPid: 0,
					ownerStart: '',
					dir,
					merged: path.join(dir, 'merged'),
					veth: '',
					cgroups: parents.map(parent => path.join(parent, name)),
				},
				undefined,
			);
		}
	});
	staleCleanup.catch(() => {
		staleCleanup = undefined;
	});
	return staleCleanup;
}

export async function allocate(name: string): Promise<HostRecord> {
	return withLock(path.join(stateDir, 'lock'), async () => {
		fs.mkdirSync(claimsDir, {recursive: true});
		const inUse = subnetsInUse();
		for (let n = 1; n <= 254; n++) {
			if (inUse.has(n)) continue;
			const dir = path.join(hostsDir, name);
			const record: HostRecord = {
				name,
				n,
				ownerPid: process.pid,
				ownerStart: processStart(process.pid) ?? '',
				dir,
				merged: path.join(dir, 'merged'),
				veth: `mtv${n}`,
				cgroups: [],
			};
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

export function updateClaim(record: HostRecord): void {
	fs.writeFileSync(claimPath(record.n), JSON.stringify(record));
}
