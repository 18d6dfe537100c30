import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const probe = fileURLToPath(new URL('rss-probe.cjs', import.meta.url));

export type Sample = {wallMs: number; rssKb: number; cpuMs: number};

/** Runs a Node program once, cold, and returns its wall time and peak RSS. */
export async function runOnce(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Sample> {
	const started = performance.now();
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--require', probe, ...args], {
			env: {...env, MACHINIST_BENCH_RSS_FD: '3'},
			stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
		});
		let rss = '';
		let stderr = '';
		child.stdio[3]!.on('data', (chunk: Buffer) => {
			rss += chunk.toString();
		});
		child.stderr!.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		child.on('error', reject);
		child.on('close', code => {
			const wallMs = performance.now() - started;
			if (code === 0) {
				const [rssKb, cpuMs] = rss.trim().split(' ').map(Number);
				resolve({wallMs, rssKb: rssKb!, cpuMs: cpuMs!});
			} else {
				reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
			}
		});
	});
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `args` `runs` times (after one warm-up for the page cache) and summarises. */
export async function measure(args: readonly string[], env: NodeJS.ProcessEnv, runs: number): Promise<Sample> {
	await runOnce(args, env);
	const samples: Sample[] = [];
	for (let index = 0; index < runs; index++) samples.push(await runOnce(args, env));
	return {
		wallMs: median(samples.map(sample => sample.wallMs)),
		rssKb: Math.max(...samples.map(sample => sample.rssKb)),
		cpuMs: median(samples.map(sample => sample.cpuMs)),
	};
}

export async function timedMs(work: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await work();
	return performance.now() - started;
}

/** Benchmarks on real test hosts end here, saying why, where there can be none. */
export function requireTestHosts(availability: {ok: true} | {ok: false; why: string}): void {
	if (availability.ok) return;
	console.error(`bench needs real test hosts: ${availability.why}`);
	process.exit(1);
}
