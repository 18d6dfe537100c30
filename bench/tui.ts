/**
 * The full-screen app over 50 and 200 machines (3 in the short form) on a real TLS dockerd, in a
 * real terminal (tmux): idle CPU share of one core and peak RSS over a measured window, against an
 * idle `node` process measured the same way in the same window; then `j` held down (200 key
 * repeats at 30 per second) and the time from the last key until the cursor shows on the row it
 * should. Each figure is printed beside its goal: under 5% of a core, under 130 MB (also as a
 * ratio to the idle node), the screen settled within 200 ms of the last key.
 *
 * Then the fleet screen over the largest size with 10 containers a machine (2,000 rows at 200
 * machines). Every machine here points at the one loopback dockerd, so each lists the same 10
 * containers and the daemon carries 200 event streams: harder on the daemon than 200 real ones,
 * the same for the app. Figures: idle CPU and peak RSS on the fleet (under 5% and 160 MB), j held
 * until the cursor is on its row (100 ms), a container started outside until it shows (1 s), and
 * `l` on a container with 100,000 lines until its last line shows (300 ms).
 *
 * `--fleet` runs the fleet part alone. `--daemons N` runs it with a real dockerd of its own per
 * machine (N of them, sharing one containerd): c01 running on each, c02–c10 created and never
 * started (the screen shows every container, as `docker ps -a`), and the first machine's c10
 * running with the 100,000 lines; the daemons' start time and memory are printed above the table.
 *
 * Run as root (dockerd): `npm run bench:tui` (`-- --smoke` for the short form).
 */
import {spawn} from 'node:child_process';
import {readFile, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {createMachine} from '../source/engine/index.js';
import {builtCli} from '../test/helpers/cli.js';
import {dockerdAvailable, startStoreDockerd, type RunningDockerd} from '../test/helpers/dockerd.js';
import {TmuxSession} from '../test/helpers/tmux.js';
import {busyboxImage, docker, importBusybox, runContainer} from '../test/helpers/containers.js';
import {inBatches, startDaemonFleet, type DaemonFleet} from './daemons.js';
import {benchForm, printTable, requireParts} from './measure.js';

const form = benchForm(1);
const windowMs = form.smoke ? 1000 : Number(process.env.BENCH_WINDOW_MS ?? 30_000);
const daemonsArgument = process.argv.indexOf('--daemons');
/** `--daemons N`: the fleet part alone, each machine on a real dockerd of its own. */
const daemonCount = daemonsArgument === -1 ? 0 : Number(process.argv[daemonsArgument + 1]);
if (daemonsArgument !== -1 && !(Number.isInteger(daemonCount) && daemonCount > 0)) {
	console.error(`--daemons takes a number of daemons (got ${process.argv[daemonsArgument + 1]})`);
	process.exit(2);
}

const fleetOnly = process.argv.includes('--fleet') || daemonCount > 0;
const sizes = form.smoke ? [3] : fleetOnly ? [daemonCount || 200] : [50, 200];
const repeats = form.smoke ? 5 : 200;
const repeatIntervalMs = 1000 / 30;
const goals = {cpuPercent: 5, peakRssMb: 130, settledMs: 200};
const ticksPerSecond = 100;

/** CPU time (ms: its own and that of the children it has waited for) and peak RSS (MB) of a process, from /proc. */
async function usage(pid: number): Promise<{cpuMs: number; peakRssMb: number}> {
	const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
	const cpuTicks = Number(stat[11]) + Number(stat[12]) + Number(stat[13]) + Number(stat[14]);
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
	return {cpuMs: (cpuTicks * 1000) / ticksPerSecond, peakRssMb: peakKb / 1024};
}

/** A key held down: it repeats at a keyboard's usual rate. */
async function holdKey(session: TmuxSession, key: string, count: number): Promise<void> {
	for (let press = 0; press < count; press++) {
		const next = performance.now() + repeatIntervalMs;
		await session.keys(key);
		const wait = next - performance.now();
		if (wait > 0) await delay(wait);
	}
}

async function measure(pid: number): Promise<{cpuPercent: number; peakRssMb: number}> {
	const before = await usage(pid);
	await delay(windowMs);
	const after = await usage(pid);
	return {cpuPercent: ((after.cpuMs - before.cpuMs) / windowMs) * 100, peakRssMb: after.peakRssMb};
}

/** A figure's goal, and whether the figure meets it. */
function goal(value: number, limit: number, text: string): string {
	return `< ${text}: ${value < limit ? 'met' : 'missed'}`;
}

const fleetGoals = {peakRssMb: 160, settledMs: 100, shownMs: 1000, logsMs: 300};
const fleetTimes: string[][] = [];
const logLines = 100_000;

/** Waits for the screen, timing it from `since`; a figure that never came says so. */
async function timed(session: TmuxSession, check: RegExp, since: number, limit: number, timeoutMs = 10_000): Promise<string[]> {
	try {
		await session.waitFor(check, timeoutMs);
		const ms = performance.now() - since;
		return [ms.toFixed(0), goal(ms, limit, `${limit}`)];
	} catch {
		return [`never within ${timeoutMs} ms`, `< ${limit}: missed`];
	}
}

const containerNames = Array.from({length: 10}, (_, index) => `c${String(index + 1).padStart(2, '0')}`);
const logScript = `i=1; while [ $i -le ${logLines} ]; do echo "line $i"; i=$((i+1)); done; sleep 100000`;

/** The one daemon every machine points at: 10 running containers, c10 with 100,000 log lines. */
async function sharedDaemonContainers(): Promise<void> {
	await importBusybox(dockerd);
	for (const name of containerNames.slice(0, 9)) await runContainer(dockerd, name);
	await runContainer(dockerd, 'c10', {script: logScript});
}

/**
 * A daemon of its own per machine: c01 running, c02–c10 created and never started (2,000 running
 * containers would be 2,000 containerd shims), the first machine's c10 running with 100,000 lines.
 */
async function ownDaemonContainers(daemon: RunningDockerd, index: number): Promise<void> {
	await importBusybox(daemon);
	await runContainer(daemon, 'c01');
	for (const name of containerNames.slice(1, index === 0 ? 9 : 10)) await docker(daemon, 'create', '--network=none', `--name=${name}`, busyboxImage, 'true');
	if (index === 0) await runContainer(daemon, 'c10', {script: logScript});
	await createMachine(engine, {name: `m${index + 1}`, driverName: 'none', given: {url: daemon.url}});
}

/** The fleet over `count` machines with 10 containers each; m1's c10 holds 100,000 log lines. */
async function fleetFigures(count: number, logsOn: RunningDockerd, probeOn: RunningDockerd, label: string): Promise<string[]> {
	while (!(await docker(logsOn, 'logs', '--tail', '1', 'c10')).includes(`line ${logLines}`)) await delay(500);
	const session = await TmuxSession.start([process.execPath, builtCli], env);
	try {
		await session.waitFor(/m1 +none +Running/, 120_000);
		await session.keys('F');
		await session.waitFor(/❯ m1 +c01 /, 120_000);
		await delay(form.smoke ? 1000 : 6000);
		const app = await measure(await session.commandPid());
		await holdKey(session, 'j', repeats);
		// Ten rows a machine: that many moves from the first row land on this one.
		const target = `❯ m${Math.floor(repeats / 10) + 1} +c${String((repeats % 10) + 1).padStart(2, '0')} `;
		const settled = await timed(session, new RegExp(target), performance.now(), fleetGoals.settledMs, 5000);

		await session.keys('/');
		await session.type('probe');
		await session.keys('Enter');
		await runContainer(probeOn, 'probe');
		fleetTimes.push([
			'a container started outside, shown (from docker run returning)',
			...(await timed(session, /probe +busybox/, performance.now(), fleetGoals.shownMs)),
		]);

		await session.keys('Escape', '/');
		await session.type('c10 machine=m1');
		await session.keys('Enter');
		await session.waitFor(/❯ c10 |❯ m1 +c10 /);
		const opened = performance.now();
		await session.keys('l');
		fleetTimes.push([
			`l on ${logLines.toLocaleString('en')} lines, the last one shown`,
			...(await timed(session, new RegExp(`line ${logLines}$`, 'm'), opened, fleetGoals.logsMs)),
		]);
		return [
			`machinist (fleet, ${count} machines × 10 containers, ${label})`,
			app.cpuPercent.toFixed(2),
			goal(app.cpuPercent, goals.cpuPercent, `${goals.cpuPercent}`),
			app.peakRssMb.toFixed(1),
			'',
			goal(app.peakRssMb, fleetGoals.peakRssMb, `${fleetGoals.peakRssMb} MB`),
			...settled,
		];
	} finally {
		await session.stop();
	}
}

requireParts('a real dockerd', dockerdAvailable());

const scratch = await mkdtemp(path.join(os.tmpdir(), 'mbt-'));
const store = path.join(scratch, 'store');
const env = {
	PATH: process.env.PATH,
	HOME: scratch,
	USER: 'bench',
	TERM: 'xterm-256color',
	MACHINE_STORAGE_PATH: store,
	MACHINIST_CONFIG_DIR: path.join(scratch, 'prefs'),
};
const {engine, dockerd} = await startStoreDockerd(store, env, scratch, 'bench.daemon');
const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'});
const rows: string[][] = [];
let baseline: {cpuPercent: number; peakRssMb: number} | undefined;
let fleet: DaemonFleet | undefined;
try {
	let created = daemonCount;
	for (const count of sizes) {
		for (; created < count; created++) {
			await createMachine(engine, {name: `m${created + 1}`, driverName: 'none', given: {url: dockerd.url}});
		}

		if (fleetOnly) continue;
		const session = await TmuxSession.start([process.execPath, builtCli], env);
		try {
			await session.waitFor(`${count} machines`, 120_000);
			await session.waitFor(/m1 +none +Running/, 120_000);
			const pid = await session.commandPid();
			// Let the first polls settle before measuring steady state.
			await delay(form.smoke ? 1000 : 6000);
			const [app, idleNode] = await Promise.all([measure(pid), measure(idle.pid!)]);
			baseline ??= idleNode;

			// j held down: key repeats at a keyboard's usual rate, then how long until the cursor is
			// on the last machine, where that many presses from the first one end.
			await holdKey(session, 'j', repeats);

			const lastKey = performance.now();
			let settled: string[];
			try {
				await session.waitFor(new RegExp(`❯ m${count} `), 5000);
				const settledMs = performance.now() - lastKey;
				settled = [settledMs.toFixed(0), goal(settledMs, goals.settledMs, `${goals.settledMs}`)];
			} catch {
				// Keys the app dropped never arrive: say where the cursor stopped instead of waiting.
				const cursor = /❯ m(\d+) /.exec(await session.capture())?.[1];
				settled = [`never: cursor on m${cursor ?? '?'} (${cursor ? Number(cursor) - 1 : '?'} of ${count - 1} moves)`, `< ${goals.settledMs}: missed`];
			}

			rows.push([
				`machinist (TUI, ${count} machines)`,
				app.cpuPercent.toFixed(2),
				goal(app.cpuPercent, goals.cpuPercent, `${goals.cpuPercent}`),
				app.peakRssMb.toFixed(1),
				(app.peakRssMb / idleNode.peakRssMb).toFixed(2),
				goal(app.peakRssMb, goals.peakRssMb, `${goals.peakRssMb} MB (${(goals.peakRssMb / idleNode.peakRssMb).toFixed(2)}×)`),
				...settled,
			]);
		} finally {
			await session.stop();
		}
	}

	if (daemonCount > 0) {
		const files = {
			caCertPath: engine.certPaths.caCert,
			serverCertPath: path.join(scratch, 'server.pem'),
			serverKeyPath: path.join(scratch, 'server-key.pem'),
		};
		fleet = await startDaemonFleet(daemonCount, files, 20);
		const started = performance.now();
		await inBatches(fleet.daemons, 10, ownDaemonContainers);
		const memory = await fleet.memoryMb();
		console.log(
			`${daemonCount} dockerds (one containerd) answered ${(fleet.startMs / 1000).toFixed(1)} s after the first start; their containers and machines took ${((performance.now() - started) / 1000).toFixed(1)} s more; daemons, containerd and shims: ${memory.toFixed(0)} MB (proportional set size)`,
		);
		rows.push(await fleetFigures(daemonCount, fleet.daemons[0]!, fleet.daemons.at(-1)!, `a dockerd each (${daemonCount}): c01 running, c02–c10 created`));
	} else {
		await sharedDaemonContainers();
		rows.push(await fleetFigures(sizes.at(-1)!, dockerd, dockerd, 'all on one dockerd, every container running'));
	}

	printTable(
		form,
		`machinist TUI: idle over ${windowMs / 1000} s beside an idle node measured in the same window, then j held for ${repeats} repeats`,
		['process', 'CPU % of one core', 'goal', 'peak RSS MB', '× idle node', 'goal', 'settled ms after last j', 'goal'],
		[...(baseline ? [['idle node (baseline)', baseline.cpuPercent.toFixed(2), '', baseline.peakRssMb.toFixed(1), '1.00', '', '', '']] : []), ...rows],
	);
	printTable(form, 'machinist TUI, the fleet screen: a container started outside, and logs of 100,000 lines', ['figure', 'ms', 'goal'], fleetTimes);
} finally {
	idle.kill();
	await fleet?.stop();
	await dockerd.stop();
	await rm(scratch, {recursive: true, force: true});
}
