/**
 * The full-screen app over 50 and 200 machines on a real TLS dockerd, in a real terminal (tmux):
 * idle CPU share of one core and peak RSS over a measured window, against an idle `node` process
 * measured the same way in the same run; then `j` held down (200 key repeats at 30 per second)
 * and the time from the last key until the cursor shows on the row it should. Targets: under 5%
 * of a core, under 130 MB, the screen settled within 200 ms of the last key.
 *
 * Run as root (dockerd): `npm run bench:tui`.
 */
import {spawn} from 'node:child_process';
import {readFile, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {generateServerCertificate} from '../source/engine/certs/generate.js';
import {createEngine, createMachine} from '../source/engine/index.js';
import {bootstrapCertificates} from '../source/engine/certs/bootstrap.js';
import {builtCli} from '../test/helpers/cli.js';
import {dockerdAvailable, startDockerd} from '../test/helpers/dockerd.js';
import {TmuxSession} from '../test/helpers/tmux.js';

const windowMs = Number(process.env.BENCH_WINDOW_MS ?? 30_000);
const ticksPerSecond = 100;

/** CPU time (ms) and peak RSS (MB) of a process, from /proc. */
async function usage(pid: number): Promise<{cpuMs: number; peakRssMb: number}> {
	const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
	const cpuTicks = Number(stat[11]) + Number(stat[12]);
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
	return {cpuMs: (cpuTicks * 1000) / ticksPerSecond, peakRssMb: peakKb / 1024};
}

/** A key held down: it repeats at a keyboard's usual rate. */
async function holdKey(session: TmuxSession, key: string, repeats: number): Promise<void> {
	for (let press = 0; press < repeats; press++) {
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

const availability = dockerdAvailable();
if (!availability.ok) {
	console.error(`bench needs a real dockerd: ${availability.why}`);
	process.exit(1);
}

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
const engine = createEngine({storagePath: store, env});
await bootstrapCertificates(engine);
const serverCert = {
	caCertPath: engine.certPaths.caCert,
	caKeyPath: engine.certPaths.caKey,
	serverCertPath: path.join(scratch, 'server.pem'),
	serverKeyPath: path.join(scratch, 'server-key.pem'),
};
await generateServerCertificate({...serverCert, org: 'bench.daemon', hosts: ['127.0.0.1']});
const dockerd = await startDockerd(serverCert);
const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'});
const repeats = 200;
const repeatIntervalMs = 1000 / 30;
const rows: string[] = [];
let baseline: {cpuPercent: number; peakRssMb: number} | undefined;
try {
	let created = 0;
	for (const count of [50, 200]) {
		for (; created < count; created++) {
			await createMachine(engine, {name: `m${created + 1}`, driverName: 'none', given: {url: dockerd.url}});
		}

		const session = await TmuxSession.start([process.execPath, builtCli], env);
		try {
			await session.waitFor(`${count} machines`, 120_000);
			await session.waitFor(/m1 +none +Running/, 120_000);
			const pid = await session.commandPid(/cli\.js/);
			// Let the first polls settle before measuring steady state.
			await delay(6000);
			const [app, idleNode] = await Promise.all([measure(pid), measure(idle.pid!)]);
			baseline ??= idleNode;

			// j held down: key repeats at a keyboard's usual rate, then how long until the cursor is
			// on the last machine, where 200 presses from the first one end.
			await holdKey(session, 'j', repeats);

			const lastKey = performance.now();
			let settled: string;
			try {
				await session.waitFor(new RegExp(`❯ m${count} `), 5000);
				settled = (performance.now() - lastKey).toFixed(0);
			} catch {
				// Keys the app dropped never arrive: say where the cursor stopped instead of waiting.
				const cursor = /❯ m(\d+) /.exec(await session.capture())?.[1];
				settled = `never: cursor on m${cursor ?? '?'} (${cursor ? Number(cursor) - 1 : '?'} of ${count - 1} moves)`;
			}

			rows.push(
				`| machinist (TUI, ${count} machines) | ${app.cpuPercent.toFixed(2)} | ${app.peakRssMb.toFixed(1)} | ${(app.peakRssMb / idleNode.peakRssMb).toFixed(2)} | ${settled} |`,
			);
		} finally {
			await session.stop();
		}
	}

	console.log(`machinist TUI: idle over ${windowMs / 1000} s, then j held for ${repeats} repeats (${os.cpus().length} cores, Node ${process.version})`);
	console.log('| process | CPU % of one core | peak RSS MB | RSS × idle node | settled ms after last j |');
	console.log('|---|---:|---:|---:|---:|');
	console.log(`| idle node (baseline) | ${baseline!.cpuPercent.toFixed(2)} | ${baseline!.peakRssMb.toFixed(1)} | 1.00 | |`);
	for (const row of rows) console.log(row);
} finally {
	idle.kill();
	await dockerd.stop();
	await rm(scratch, {recursive: true, force: true});
}
