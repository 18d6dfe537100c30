/**
 * What every benchmark shares, written once: its two forms, sampling the baseline and Machinist in
 * turns, medians with their spread, and the table it prints.
 *
 * Each benchmark has a full form and a short one (`--smoke`: one sample at the smallest sizes,
 * which `npm test` runs, so a benchmark that no longer runs fails the suite; its figures are not
 * for keeping). Every table starts with the date and the load average it was taken at, since the
 * machine may be shared.
 */
import {spawn} from 'node:child_process';
import os from 'node:os';
import {fileURLToPath} from 'node:url';

const probe = fileURLToPath(new URL('rss-probe.cjs', import.meta.url));

export type Form = {smoke: boolean; samples: number};

/**
 * The form asked for: `--smoke`, or the full form with `BENCH_RUNS` samples (`defaultSamples`
 * when unset; never fewer than `minimum`, below which a median and spread say nothing).
 */
export function benchForm(defaultSamples: number, minimum = 1): Form {
	if (process.argv.includes('--smoke')) return {smoke: true, samples: 1};
	const samples = Number(process.env.BENCH_RUNS ?? defaultSamples);
	if (!Number.isInteger(samples) || samples < minimum) {
		console.error(`BENCH_RUNS must be a whole number of at least ${minimum} for this benchmark (got ${process.env.BENCH_RUNS})`);
		process.exit(2);
	}

	return {smoke: false, samples};
}

/** A benchmark on real parts (dockerd, test hosts, QEMU) ends here, saying why, where there can be none. */
export function requireParts(what: string, availability: {ok: true} | {ok: false; why: string}): void {
	if (availability.ok) return;
	console.error(`bench needs ${what}: ${availability.why}`);
	process.exit(1);
}

/**
 * Runs each case `rounds` times, taking turns: every round runs each case once, and each round
 * runs them in the reverse order of the one before, so neither the baseline nor Machinist always
 * goes first (into a cold cache, or just after the other's work), and a burst of load from
 * elsewhere lands on all of them and not on one case's whole series. Returns each case's samples.
 */
export async function inTurns<Cases extends ReadonlyArray<() => Promise<unknown>>>(
	cases: Cases,
	rounds: number,
): Promise<{-readonly [Index in keyof Cases]: Array<Awaited<ReturnType<Cases[Index]>>>}> {
	const samples = cases.map((): unknown[] => []);
	for (let round = 0; round < rounds; round++) {
		const order = [...cases.keys()];
		if (round % 2 === 1) order.reverse();
		for (const index of order) samples[index]!.push(await cases[index]!());
	}

	return samples as {-readonly [Index in keyof Cases]: Array<Awaited<ReturnType<Cases[Index]>>>};
}

export type Spread = {median: number; min: number; max: number};

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function spread(values: readonly number[]): Spread {
	return {median: median(values), min: Math.min(...values), max: Math.max(...values)};
}

/** The spread printed beside a median: the lowest and highest sample, in the median's unit. */
export function range({min, max}: Spread, digits = 0): string {
	return `${min.toFixed(digits)}–${max.toFixed(digits)}`;
}

export async function timedMs(work: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await work();
	return performance.now() - started;
}

/** When and on what a figure was taken, for the line above its table. */
export function takenAt(): string {
	const load = os
		.loadavg()
		.map(value => value.toFixed(2))
		.join(' ');
	return `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load}, ${os.cpus().length} cores, Node ${process.version}`;
}

/**
 * Prints a Markdown table under a title that says when it was taken and, for the short form,
 * that its figures are not for keeping. A cell that is not a number where one was computed
 * (NaN, Infinity, undefined) fails the benchmark instead of printing a row that looks measured.
 */
export function printTable(form: Form, title: string, headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
	for (const row of rows) {
		if (row.some(cell => /NaN|Infinity|undefined/.test(cell))) throw new Error(`a figure was not measured: ${row.join(' | ')}`);
	}

	const note = form.smoke ? ' — smoke form: one sample at the smallest sizes, figures not for keeping' : '';
	console.log(`\n${title} (${takenAt()})${note}`);
	console.log(`| ${headers.join(' | ')} |`);
	console.log(
		`|---|${headers
			.slice(1)
			.map(() => '---:|')
			.join('')}`,
	);
	for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

export type Sample = {wallMs: number; rssKb: number; cpuMs: number};

/** Runs a Node program once, cold, and returns its wall time, CPU time and peak RSS. */
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
