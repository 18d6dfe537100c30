/**
 * Each test host runs in cgroups of its own, `mt-…` below the test process's cgroups in every
 * hierarchy (v1 controllers and/or v2), so that its processes, nested Docker containers included,
 * can all be found and killed, and none lands in this machine's root cgroups.
 */
import fs from 'node:fs';
import path from 'node:path';
import {errorCode, unescapeMount} from './process.js';

type Hierarchy = {
	/** The controllers field of /proc/PID/cgroup: '' for cgroup v2, e.g. 'cpu,cpuacct' or 'name=systemd'. */
	key: string;
	/** Where the hierarchy's root is mounted on this machine. */
	mount: string;
};

let hierarchies: Hierarchy[] | undefined;

export function cgroupHierarchies(): Hierarchy[] {
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
		const match = mounts.find(
			mount =>
				mount.root === '/' &&
				(key === '' ? mount.type === 'cgroup2' : mount.type === 'cgroup' && key.split(',').every(controller => mount.options.includes(controller))),
		);
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
export function cgroupDirsOf(pid: number | 'self'): string[] {
	const byKey = new Map<string, string>();
	for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
		const [, key = '', ...rest] = line.split(':');
		byKey.set(key, rest.join(':'));
	}

	return cgroupHierarchies().map(hierarchy => path.join(hierarchy.mount, byKey.get(hierarchy.key) ?? '/'));
}

/** A new cgroup named `name` below this process's own, in every hierarchy. */
export function createHostCgroups(name: string): string[] {
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

export function pidsIn(dirs: string[]): number[] {
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

export function killAll(pids: number[]): void {
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {}
	}
}

/** rmdir of a cgroup and its children, deepest first; false if some are still busy. */
export function removeCgroups(dirs: string[]): boolean {
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
