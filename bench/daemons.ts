/**
 * Many real loopback dockerds for the fleet benchmark, one per machine, sharing one containerd
 * (each in a namespace of its own, as test/helpers/dockerd.ts gives every daemon): a containerd
 * per daemon would double the processes for nothing the app can see. Started in parallel batches;
 * `stop` takes everything down, and is safe to call after a partial start.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {startDockerd, type RunningDockerd, type StartDockerdOptions} from '../test/helpers/dockerd.js';
import {waitFor} from '../test/helpers/wait.js';

export type DaemonFleet = {
	daemons: RunningDockerd[];
	/** Milliseconds from the first spawn until the last daemon answered. */
	startMs: number;
	/** What the daemons and their containerd hold in memory (proportional set size, shared pages split), MB. */
	memoryMb(): Promise<number>;
	stop(): Promise<void>;
};

/** Runs `work` over `items`, `batch` at a time. */
export async function inBatches<T, R>(items: readonly T[], batch: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = [];
	for (let start = 0; start < items.length; start += batch) {
		results.push(...(await Promise.all(items.slice(start, start + batch).map(async (item, offset) => work(item, start + offset)))));
	}

	return results;
}

async function pssMb(pid: number): Promise<number> {
	const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
	return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
}

function signal(pid: number): void {
	try {
		process.kill(pid, 'SIGKILL');
	} catch {}
}

async function processesNaming(text: string): Promise<number[]> {
	const pids = (await readdir('/proc')).filter(name => /^\d+$/.test(name));
	const named = await Promise.all(pids.map(async pid => ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(text) ? Number(pid) : 0)));
	return named.filter(pid => pid > 0);
}

async function startContainerd(dir: string): Promise<{process: ChildProcess; socket: string}> {
	const config = path.join(dir, 'config.toml');
	// No CRI plugin: nothing here is Kubernetes, and it would try to set up CNI.
	await writeFile(config, 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
	const socket = path.join(dir, 'c.sock');
	const child = spawn('containerd', ['--config', config, '--root', path.join(dir, 'root'), '--state', path.join(dir, 'state'), '--address', socket], {
		stdio: 'ignore',
	});
	await waitFor(
		'containerd: its socket',
		async () => (await readFile(socket).catch((error: unknown) => (error as NodeJS.ErrnoException).code)) !== 'ENOENT',
		{
			timeoutMs: 30_000,
			intervalMs: 50,
		},
	);
	return {process: child, socket};
}

/** `count` dockerds with the certificates in `files`, `batch` starting at a time. */
export async function startDaemonFleet(count: number, files: StartDockerdOptions, batch: number): Promise<DaemonFleet> {
	const dir = await mkdtemp('/tmp/mcd-');
	const daemons: RunningDockerd[] = [];
	let containerd: ChildProcess | undefined;
	const stop = async (): Promise<void> => {
		await inBatches(daemons, 50, async daemon => daemon.stop().catch(() => undefined));
		containerd?.kill('SIGTERM');
		await new Promise(resolve => {
			setTimeout(resolve, 2000);
		});
		// A daemon that had to be killed leaves its containers' shims (they name this directory):
		// their containers, then they, go too.
		for (const pid of await processesNaming(dir)) {
			const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
			for (const child of children.split(' ').filter(Boolean)) signal(Number(child));
			signal(pid);
		}

		await rm(dir, {recursive: true, force: true, maxRetries: 5, retryDelay: 200}).catch(() => undefined);
	};

	try {
		const shared = await startContainerd(dir);
		containerd = shared.process;
		const started = performance.now();
		await inBatches(
			Array.from({length: count}, (_, index) => index),
			batch,
			async () => {
				daemons.push(await startDockerd({...files, containerd: shared.socket, timeoutMs: 180_000}));
			},
		);
		const startMs = performance.now() - started;
		// The daemons, their containerd and its shims (one per running container) all name its directory.
		const memoryMb = async (): Promise<number> => {
			const pids = await processesNaming(dir);
			return (await Promise.all(pids.map(async pid => pssMb(pid)))).reduce((sum, mb) => sum + mb, 0);
		};

		return {daemons, startMs, memoryMb, stop};
	} catch (error) {
		await stop();
		throw error;
	}
}
