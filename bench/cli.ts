/**
 * Cold start of the commands users run most, against a real TLS dockerd: `env NAME`, `ls` and
 * `ls -q` with 1 machine, and `ls` with 50 and 200 running machines (2 and 3 in the short form).
 * Each figure is a median over cold processes with its spread, shown as a ratio to `node -e ''`
 * measured in the same run, so machines of different speed compare; the programs take turns, so
 * load from elsewhere lands on all of them alike.
 *
 * Run as root (dockerd): `npm run bench:cli` (`-- --smoke` for the short form).
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
import {benchForm, inTurns, printTable, range, requireParts, runOnce, spread, timedMs, type Sample} from './measure.js';

const form = benchForm(15);
const [middle, largest] = form.smoke ? [2, 3] : [50, 200];
requireParts('a real dockerd', dockerdAvailable());

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
		[stores.fifty, middle],
		[stores.many, largest],
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
		[`ls (${middle} machines)`, ['ls'], stores.fifty],
		[`ls -q (${middle} machines)`, ['ls', '-q'], stores.fifty],
		[`ls (${largest} machines)`, ['ls'], stores.many],
	];
	const programs = [
		{label: "node -e '' (baseline)", args: ['-e', ''], env},
		...cases.map(([label, args, store]) => ({
			label,
			args: args[0] === handshake ? args : [builtCli, ...args],
			env: {...env, MACHINE_STORAGE_PATH: store},
		})),
	];
	// One run of each first, unmeasured: the page cache and the kept compiled code are warm for
	// every program alike, as they are for a user's second command.
	for (const {args, env} of programs) await runOnce(args, env);
	const series = await inTurns(
		programs.map(
			({args, env}) =>
				async () =>
					runOnce(args, env),
		),
		form.samples,
	);
	const figures = (samples: Sample[]) => ({
		wall: spread(samples.map(sample => sample.wallMs)),
		cpu: spread(samples.map(sample => sample.cpuMs)),
		rssKb: Math.max(...samples.map(sample => sample.rssKb)),
	});
	const baseline = figures(series[0]!);
	printTable(
		form,
		`machinist cold start: ${form.samples} runs each, medians of wall and CPU (user + system) time with their spread (lowest–highest), peak RSS`,
		['command', 'wall ms', 'spread', "× node -e ''", 'CPU ms', 'spread', "× node -e ''", 'peak RSS MB', "× node -e ''"],
		programs.map(({label}, index) => {
			const {wall, cpu, rssKb} = figures(series[index]!);
			return [
				label,
				wall.median.toFixed(0),
				range(wall),
				(wall.median / baseline.wall.median).toFixed(2),
				cpu.median.toFixed(0),
				range(cpu),
				(cpu.median / baseline.cpu.median).toFixed(2),
				(rssKb / 1024).toFixed(1),
				(rssKb / baseline.rssKb).toFixed(2),
			];
		}),
	);

	// Tab completion of machine names is the shell's own globbing of the store, so its cost is
	// measured against a bare bash in the same run: what the user waits for after pressing Tab.
	const script = path.join(scratch, 'completion.bash');
	const completion = await promisify(execFile)(process.execPath, [builtCli, 'completion', 'bash'], {env});
	await writeFile(script, completion.stdout);
	const bash = async (code: string) => promisify(execFile)('bash', ['--norc', '-c', code], {env: {...env, MACHINE_STORAGE_PATH: stores.many}});
	const complete = `source ${script}; COMP_WORDS=(machinist env ''); COMP_CWORD=2; COMP_LINE='machinist env '; COMP_POINT=14; _machinist; [ \${#COMPREPLY[@]} = ${largest} ]`;
	await bash(complete);
	const [bare, tab] = await inTurns([async () => timedMs(async () => bash('true')), async () => timedMs(async () => bash(complete))], form.samples).then(
		samples => samples.map(values => spread(values)),
	);
	printTable(
		form,
		`bash completion of \`machinist env <Tab>\` over ${largest} machines: median of ${form.samples} with its spread`,
		['shell', 'ms', 'spread', '× bash -c true'],
		[
			['bash -c true (baseline)', bare!.median.toFixed(1), range(bare!, 1), '1.00'],
			['machinist env <Tab>', tab!.median.toFixed(1), range(tab!, 1), (tab!.median / bare!.median).toFixed(2)],
		],
	);
} finally {
	await dockerd.stop();
	await rm(scratch, {recursive: true, force: true});
}
