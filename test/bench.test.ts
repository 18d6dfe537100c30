/**
 * Every benchmark's short form (`--smoke`: one sample at the smallest sizes), run as a user runs
 * the benchmark, so one that no longer runs, or prints a row without its figures, fails the suite
 * instead of rotting unseen. One after another: each starts real daemons or hosts, and they would
 * only slow each other down. bench:qemu is left to its long form: its shortest still boots two VMs
 * under TCG, minutes on its own, and the suite's QEMU test already covers create, stop and start.
 * So is bench:share (one VM), whose default share the QEMU test checks.
 */
import {execFile} from 'node:child_process';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {repoRoot} from './helpers/cli.js';
import {dockerdAvailable} from './helpers/dockerd.js';
import {goAvailable} from './helpers/go.js';
import {testHostsAvailable} from './helpers/hosts.js';
import {realTest} from './helpers/real.js';
import {tmuxAvailable} from './helpers/tmux.js';

type Table = {title: string; rows: string[][]};

/** A figure as the benchmarks print it: a number, or the spread of several ("12.3–45.6"). */
const figure = /^\d+(\.\d+)?(–\d+(\.\d+)?)?$/;
/** A goal printed beside a figure, and whether it was met. */
const goal = /^< \d+.*: (met|missed)$/;

/** Runs `bench/NAME.ts --smoke` in its own process and returns the tables it printed. */
async function smoke(t: ExecutionContext, name: string): Promise<Table[]> {
	t.timeout(5 * 60_000);
	const started = Date.now();
	const {stdout, stderr, code} = await new Promise<{stdout: string; stderr: string; code: number}>(resolve => {
		execFile(
			process.execPath,
			['--import=tsx', path.join('bench', `${name}.ts`), '--smoke'],
			{cwd: repoRoot, env: process.env, maxBuffer: 16 * 1024 * 1024},
			(error, stdout, stderr) => {
				resolve({stdout, stderr, code: error ? Number(error.code ?? 1) : 0});
			},
		);
	});
	t.log(`bench/${name}.ts --smoke took ${((Date.now() - started) / 1000).toFixed(0)} s`);
	t.is(code, 0, `bench/${name}.ts --smoke failed:\n${stdout}\n${stderr}`);
	const tables: Table[] = [];
	for (const line of stdout.split('\n')) {
		if (line.startsWith('| ') && tables.length > 0) {
			tables.at(-1)!.rows.push(
				line
					.split('|')
					.slice(1, -1)
					.map(cell => cell.trim()),
			);
		} else if (line.trim() !== '' && !line.startsWith('|')) {
			tables.push({title: line, rows: []});
		}
	}

	for (const {title, rows} of tables) {
		t.regex(
			title,
			/\(\d{4}-\d\d-\d\d \d\d:\d\d UTC, load average [\d.]+ [\d.]+ [\d.]+, \d+ cores, Node v[\d.]+\)/,
			'each table says when it was taken, and at what load',
		);
		t.regex(title, /smoke form/);
		// The header row, then one row per measurement: each figure a number or a spread of numbers.
		for (const [label, ...cells] of rows.slice(1)) {
			t.true(
				cells.some(cell => figure.test(cell)),
				`${label}: no figure in ${cells.join(' | ')}`,
			);
			for (const cell of cells) t.true(cell === '' || figure.test(cell) || goal.test(cell), `${label}: "${cell}" is not a figure`);
		}
	}

	return tables;
}

const labels = (table: Table | undefined) => table?.rows.slice(1).map(([label]) => label);

realTest(dockerdAvailable()).serial('bench:cli --smoke times every command against node -e, and tab completion against bash', async t => {
	const [startup, completion] = await smoke(t, 'cli');
	t.deepEqual(labels(startup), [
		"node -e '' (baseline)",
		'a TLS handshake alone (for scale)',
		'env m1',
		'ls (1 machine)',
		'ls -q (1 machine)',
		'ls (2 machines)',
		'ls -q (2 machines)',
		'ls (3 machines)',
	]);
	t.deepEqual(labels(completion), ['bash -c true (baseline)', 'machinist env <Tab>']);
});

realTest(dockerdAvailable(), tmuxAvailable()).serial('bench:tui --smoke finds the app in its terminal and prints its figures beside their goals', async t => {
	const [table, fleet] = await smoke(t, 'tui');
	t.deepEqual(labels(table), [
		'idle node (baseline)',
		'machinist (TUI, 3 machines)',
		'machinist (fleet, 3 machines × 10 containers, all on one dockerd, every container running)',
	]);
	for (const row of table!.rows.slice(3)) t.is(row.filter(cell => goal.test(cell)).length, 3, `${row[0]}: CPU, RSS and settle time each beside its goal`);
	t.deepEqual(labels(fleet), ['a container started outside, shown (from docker run returning)', 'l on 100,000 lines, the last one shown']);
	for (const row of fleet!.rows.slice(2)) t.is(row.filter(cell => goal.test(cell)).length, 1, `${row[0]}: beside its goal`);
});

realTest(testHostsAvailable()).serial('bench:provision --smoke times create, provision and regenerate-certs against ssh on one host', async t => {
	const [table] = await smoke(t, 'provision');
	t.deepEqual(labels(table), ['ssh HOST true (baseline)', 'create -d generic', 'provision (again, nothing changed)', 'regenerate-certs -f']);
});

realTest(testHostsAvailable()).serial('bench:swarm --smoke times swarm init and joins against the docker CLI, and ls of a swarm', async t => {
	const [table] = await smoke(t, 'swarm');
	t.deepEqual(labels(table), [
		'swarm init + 2 joins (Engine API over TLS) vs. docker CLI over SSH, same 3 hosts',
		'ls, 3 machines in one swarm vs. before the swarm',
		'swarm ls, 3 nodes vs. ls before the swarm',
	]);
});

realTest(testHostsAvailable(), goAvailable()).serial(
	'bench:plugins --smoke times ls over plugin machines against generic ones, and a plugin idling',
	async t => {
		const [ls, idle] = await smoke(t, 'plugins');
		t.deepEqual(labels(ls), ['ls, 3 generic machines (baseline)', 'ls, 3 plugin machines']);
		t.deepEqual(labels(idle), ['no plugin (baseline)', 'one plugin connected, idle']);
	},
);
