/**
 * The full-screen app idling over 50 machines on a real TLS dockerd, in a real terminal (tmux):
 * CPU share of one core and peak RSS over a measured window, against an idle `node` process
 * measured the same way in the same run. Targets: under 5% of a core, under 120 MB.
 *
 * Run as root (dockerd): `npm run bench:tui`.
 */
import {spawn} from 'node:child_process';
import {readFile, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {generateServerCertificate} from '../source/engine/certs/generate.js';
import {bootstrapCertificates, createEngine, createMachine} from '../source/engine/index.js';
import {builtCli} from '../test/helpers/cli.js';
import {dockerdAvailable, startDockerd} from '../test/helpers/dockerd.js';
import {TmuxSession} from '../test/helpers/tmux.js';

const windowMs = Number(process.env['BENCH_WINDOW_MS'] ?? 30_000);
const ticksPerSecond = 100;

/** CPU time (ms) and peak RSS (MB) of a process, from /proc. */
async function usage(pid: number): Promise<{cpuMs: number; peakRssMb: number}> {
	const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
	const cpuTicks = Number(stat[11]) + Number(stat[12]);
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
	return {cpuMs: (cpuTicks * 1000) / ticksPerSecond, peakRssMb: peakKb / 1024};
}

async function measure(pid: number): Promise<{cpuPercent: number; peakRssMb: number}> {
	const before = await usage(pid);
	await new Promise(resolve => {
		setTimeout(resolve, windowMs);
	});
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
const env = {PATH: process.env['PATH'], HOME: scratch, USER: 'bench', TERM: 'xterm-256color', MACHINE_STORAGE_PATH: store, MACHINIST_CONFIG_DIR: path.join(scratch, 'prefs')};
const engine = createEngine({storagePath: store, env});
await bootstrapCertificates(engine);
const serverCert = {caCertPath: engine.certPaths.caCert, caKeyPath: engine.certPaths.caKey, serverCertPath: path.join(scratch, 'server.pem'), serverKeyPath: path.join(scratch, 'server-key.pem')};
await generateServerCertificate({...serverCert, org: 'bench.daemon', hosts: ['127.0.0.1']});
const dockerd = await startDockerd(serverCert);
const session = await TmuxSession.start([process.execPath, builtCli], env);
const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'});
try {
	for (let index = 1; index <= 50; index++) {
		await createMachine(engine, {name: `m${index}`, driverName: 'none', given: {url: dockerd.url}});
	}

	await session.waitFor('50 machines', 60_000);
	await session.waitFor(/m1 +none +Running/, 60_000);
	const pid = await session.commandPid(/cli\.js/);
	// Let the first polls settle before measuring steady state.
	await new Promise(resolve => {
		setTimeout(resolve, 6000);
	});
	const [app, baseline] = await Promise.all([measure(pid), measure(idle.pid!)]);
	console.log(`machinist TUI idle with 50 running machines, ${windowMs / 1000} s window (${os.cpus().length} cores, Node ${process.version})`);
	console.log('| process | CPU % of one core | peak RSS MB | RSS × idle node |');
	console.log('|---|---:|---:|---:|');
	console.log(`| idle node (baseline) | ${baseline.cpuPercent.toFixed(2)} | ${baseline.peakRssMb.toFixed(1)} | 1.00 |`);
	console.log(`| machinist (TUI, 50 machines) | ${app.cpuPercent.toFixed(2)} | ${app.peakRssMb.toFixed(1)} | ${(app.peakRssMb / baseline.peakRssMb).toFixed(2)} |`);
} finally {
	idle.kill();
	await session.stop();
	await dockerd.stop();
	await rm(scratch, {recursive: true, force: true});
}
