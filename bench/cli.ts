/**
 * Cold start of the commands users run most, against a real TLS dockerd: `env NAME`, `ls` and
 * `ls -q` with 1 machine, and `ls` with 50 and 200 running machines. Each figure is a median over cold processes, shown as a ratio to
 * `node -e ''` measured in the same run, so machines of different speed compare; the programs take
 * turns, so load from elsewhere lands on all of them alike.
 *
 * Run as root (dockerd): `npm run bench`.
 */
import os from 'node:os';
import path from 'node:path';
import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {promisify} from 'node:util';
import {generateServerCertificate} from '../source/engine/certs/generate.js';
import {createEngine, createMachine} from '../source/engine/index.js';
import {bootstrapCertificates} from '../source/engine/certs/bootstrap.js';
import {builtCli} from '../test/helpers/cli.js';
import {dockerdAvailable, startDockerd} from '../test/helpers/dockerd.js';
import {measureInTurns, median, timedMs, type Sample} from './measure.js';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const availability = dockerdAvailable();
if (!availability.ok) {
	console.error(`bench needs a real dockerd: ${availability.why}`);
	process.exit(1);
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'mb-'));
const stores = {one: path.join(scratch, 'one'), fifty: path.join(scratch, 'fifty'), many: path.join(scratch, 'many')};
const env = {PATH: process.env.PATH, HOME: scratch, SHELL: '/bin/bash', USER: 'bench'};
const first = createEngine({storagePath: stores.one, env});
await bootstrapCertificates(first);
const serverCert = {
	caCertPath: first.certPaths.caCert,
	caKeyPath: first.certPaths.caKey,
	serverCertPath: path.join(scratch, 'server.pem'),
	serverKeyPath: path.join(scratch, 'server-key.pem'),
};
await generateServerCertificate({...serverCert, org: 'bench.daemon', hosts: ['127.0.0.1', 'localhost']});
const dockerd = await startDockerd(serverCert);
try {
	await createMachine(first, {name: 'm1', driverName: 'none', given: {url: dockerd.url}});
	// The bigger stores share the CA, so every machine really answers over TLS.
	for (const [store, count] of [
		[stores.fifty, 50],
		[stores.many, 200],
	] as const) {
		const engine = createEngine({
			storagePath: store,
			env,
			tlsCaCert: first.certPaths.caCert,
			tlsCaKey: first.certPaths.caKey,
			tlsClientCert: first.certPaths.clientCert,
			tlsClientKey: first.certPaths.clientKey,
		});
		for (let index = 1; index <= count; index++) {
			await createMachine(engine, {name: `m${index}`, driverName: 'none', given: {url: dockerd.url}});
		}
	}

	// What any Node program pays for `env`'s connection check, for scale: Node's TLS modules, a
	// context with the client certificate, the mutual-TLS handshake with m1's daemon and a check
	// of its certificate, in the fewest lines, as plain CommonJS.
	const handshake = path.join(scratch, 'handshake-only.cjs');
	await writeFile(
		handshake,
		`const fs = require('node:fs'); const tls = require('node:tls'); const {X509Certificate} = require('node:crypto');
const certs = ${JSON.stringify(path.join(stores.one, 'certs'))};
const read = name => fs.readFileSync(certs + '/' + name);
const url = new URL(JSON.parse(fs.readFileSync(${JSON.stringify(path.join(stores.one, 'machines/m1/config.json'))}, 'utf8')).Driver.URL);
const socket = tls.connect({host: url.hostname, port: Number(url.port), secureContext: tls.createSecureContext({cert: read('cert.pem'), key: read('key.pem'), ca: []}), rejectUnauthorized: false}, () => {
	const peer = socket.getPeerCertificate();
	if (!new X509Certificate(peer.raw).verify(new X509Certificate(read('ca.pem')).publicKey) || tls.checkServerIdentity(url.hostname, peer)) process.exit(1);
	socket.once('session', () => { fs.writeSync(1, 'export DOCKER_HOST="' + url.href + '"' + String.fromCharCode(10)); process.exit(0); });
	socket.resume();
});
`,
	);
	const cases: Array<[string, string[], string]> = [
		['a TLS handshake alone (for scale)', [handshake], stores.one],
		['env m1', ['env', 'm1'], stores.one],
		['ls (1 machine)', ['ls'], stores.one],
		['ls -q (1 machine)', ['ls', '-q'], stores.one],
		['ls (50 machines)', ['ls'], stores.fifty],
		['ls -q (50 machines)', ['ls', '-q'], stores.fifty],
		['ls (200 machines)', ['ls'], stores.many],
	];
	const [baseline, ...results] = await measureInTurns(
		[
			{args: ['-e', ''], env},
			...cases.map(([, args, store]) => ({args: args[0] === handshake ? args : [builtCli, ...args], env: {...env, MACHINE_STORAGE_PATH: store}})),
		],
		runs,
	);
	const rows: Array<readonly [string, Sample, number, number, number]> = [["node -e '' (baseline)", baseline!, 1, 1, 1]];
	for (const [index, [label]] of cases.entries()) {
		const result = results[index]!;
		rows.push([label, result, result.wallMs / baseline!.wallMs, result.cpuMs / baseline!.cpuMs, result.rssKb / baseline!.rssKb] as const);
	}

	console.log(
		`machinist cold-start benchmark: ${runs} runs each, medians of wall and CPU (user + system) time, peak RSS (${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)})`,
	);
	console.log("| command | wall ms | × node -e '' | CPU ms | × node -e '' | peak RSS MB | × node -e '' |");
	console.log('|---|---:|---:|---:|---:|---:|---:|');
	for (const [label, result, wallRatio, cpuRatio, rssRatio] of rows) {
		console.log(
			`| ${label} | ${result.wallMs.toFixed(0)} | ${wallRatio.toFixed(2)} | ${result.cpuMs.toFixed(0)} | ${cpuRatio.toFixed(2)} | ${(result.rssKb / 1024).toFixed(1)} | ${rssRatio.toFixed(2)} |`,
		);
	}

	// Tab completion of machine names is the shell's own globbing of the store, so its cost is
	// measured against a bare bash in the same run: what the user waits for after pressing Tab.
	const script = path.join(scratch, 'completion.bash');
	const completion = await promisify(execFile)(process.execPath, [builtCli, 'completion', 'bash'], {env});
	await writeFile(script, completion.stdout);
	const bash = async (code: string) => promisify(execFile)('bash', ['--norc', '-c', code], {env: {...env, MACHINE_STORAGE_PATH: stores.many}});
	const complete = `source ${script}; COMP_WORDS=(machinist env ''); COMP_CWORD=2; COMP_LINE='machinist env '; COMP_POINT=14; _machinist; [ \${#COMPREPLY[@]} = 200 ]`;
	const bare: number[] = [];
	const tab: number[] = [];
	for (let index = 0; index <= runs; index++) {
		const bareMs = await timedMs(async () => bash('true'));
		const tabMs = await timedMs(async () => bash(complete));
		if (index > 0) {
			bare.push(bareMs);
			tab.push(tabMs);
		}
	}

	console.log(
		`\nbash completion of \`machinist env <Tab>\` over 200 machines: ${median(tab).toFixed(1)} ms, ${(median(tab) / median(bare)).toFixed(2)}× a bare \`bash -c true\` (${median(bare).toFixed(1)} ms)`,
	);
} finally {
	await dockerd.stop();
	await rm(scratch, {recursive: true, force: true});
}
