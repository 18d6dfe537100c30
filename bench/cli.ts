/**
 * Cold start of the commands users run most, against a real TLS dockerd: `env NAME`, and `ls`
 * with 1 and 50 machines. Each figure is a median over cold processes, shown as a ratio to
 * `node -e ''` measured in the same run, so machines of different speed compare.
 *
 * Run as root (dockerd): `npm run bench`.
 */
import os from 'node:os';
import path from 'node:path';
import {mkdtemp, rm} from 'node:fs/promises';
import {generateServerCertificate} from '../source/engine/certs/generate.js';
import {bootstrapCertificates, createEngine, createMachine} from '../source/engine/index.js';
import {builtCli} from '../test/helpers/cli.js';
import {dockerdAvailable, startDockerd} from '../test/helpers/dockerd.js';
import {measure} from './measure.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 15);
const availability = dockerdAvailable();
if (!availability.ok) {
	console.error(`bench needs a real dockerd: ${availability.why}`);
	process.exit(1);
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'mb-'));
const stores = {one: path.join(scratch, 'one'), fifty: path.join(scratch, 'fifty')};
const env = {PATH: process.env['PATH'], HOME: scratch, SHELL: '/bin/bash', USER: 'bench'};
const first = createEngine({storagePath: stores.one, env});
await bootstrapCertificates(first);
const serverCert = {caCertPath: first.certPaths.caCert, caKeyPath: first.certPaths.caKey, serverCertPath: path.join(scratch, 'server.pem'), serverKeyPath: path.join(scratch, 'server-key.pem')};
await generateServerCertificate({...serverCert, org: 'bench.daemon', hosts: ['127.0.0.1', 'localhost']});
const dockerd = await startDockerd(serverCert);
try {
	await createMachine(first, {name: 'm1', driverName: 'none', given: {url: dockerd.url}});
	// The 50-machine store shares the CA, so every machine really answers over TLS.
	const fifty = createEngine({storagePath: stores.fifty, env, tlsCaCert: first.certPaths.caCert, tlsCaKey: first.certPaths.caKey, tlsClientCert: first.certPaths.clientCert, tlsClientKey: first.certPaths.clientKey});
	for (let index = 1; index <= 50; index++) {
		await createMachine(fifty, {name: `m${index}`, driverName: 'none', given: {url: dockerd.url}});
	}

	const baseline = await measure(['-e', ''], env, runs);
	const cases: Array<[string, string[], string]> = [
		['env m1', ['env', 'm1'], stores.one],
		['ls (1 machine)', ['ls'], stores.one],
		['ls (50 machines)', ['ls'], stores.fifty],
		['ls -q (50 machines)', ['ls', '-q'], stores.fifty],
	];
	const rows = [['node -e \'\' (baseline)', baseline.wallMs, baseline.rssKb, 1, 1] as const];
	const results = [];
	for (const [label, args, store] of cases) {
		const result = await measure([builtCli, ...args], {...env, MACHINE_STORAGE_PATH: store}, runs);
		results.push([label, result.wallMs, result.rssKb, result.wallMs / baseline.wallMs, result.rssKb / baseline.rssKb] as const);
	}

	console.log(`machinist cold-start benchmark: ${runs} runs each, median wall time, peak RSS (${os.cpus().length} cores, Node ${process.version})`);
	console.log('| command | wall ms | × node -e \'\' | peak RSS MB | × node -e \'\' |');
	console.log('|---|---:|---:|---:|---:|');
	for (const [label, wall, rss, wallRatio, rssRatio] of [...rows, ...results]) {
		console.log(`| ${label} | ${wall.toFixed(0)} | ${wallRatio.toFixed(2)} | ${(rss / 1024).toFixed(1)} | ${rssRatio.toFixed(2)} |`);
	}
} finally {
	await dockerd.stop();
	await rm(scratch, {recursive: true, force: true});
}
