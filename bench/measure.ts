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

/**
 * Runs each program `runs` times (after one warm-up for the page cache), taking turns: each
 * round runs every one once, so a burst of load from elsewhere lands on all of them and not on
 * one row's whole series. Returns the medians of each.
 */
export async function measureInTurns(programs: ReadonlyArray<{args: readonly string[]; env: NodeJS.ProcessEnv}>, runs: number): Promise<Sample[]> {
	for (const {args, env} of programs) await runOnce(args, env);
	const samples: Sample[][] = programs.map(() => []);
	for (let round = 0; round < runs; round++) {
		for (const [index, {args, env}] of programs.entries()) samples[index]!.push(await runOnce(args, env));
	}

	return samples.map(series => ({
		wallMs: median(series.map(sample => sample.wallMs)),
		rssKb: Math.max(...series.map(sample => sample.rssKb)),
		cpuMs: median(series.map(sample => sample.cpuMs)),
	}));
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
