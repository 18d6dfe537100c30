import {execFile} from 'node:child_process';
import {copyFile, mkdir, readFile, readdir, stat, writeFile} from 'node:fs/promises';
import net, {type AddressInfo} from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import type {ExecutionContext} from 'ava';
import {generateServerCertificate} from '../../source/engine/certs/generate.js';
import {envExports} from '../../source/tui/actions.js';
import {builtCli} from '../helpers/cli.js';
import {dockerdAvailable, startDockerd, storeWithDockerd} from '../helpers/dockerd.js';
import {realTest} from '../helpers/real.js';
import {fixturesDir, temporaryDir} from '../helpers/store.js';

const withDockerd = realTest(dockerdAvailable());

const exec = promisify(execFile);

/**
 * A store as docker-machine 0.16.2 leaves it after `create -d none`: certs/ with the CA and
 * client certificate, and machines/p1/ holding config.json alone (its recorded paths moved
 * from /home/user to this store), pointing at a real TLS dockerd that trusts the store's CA.
 */
async function dockerMachineNoneStore(t: Parameters<typeof temporaryDir>[0]) {
	const dir = await temporaryDir(t, 'mdm-');
	const store = path.join(dir, 'store');
	const env = {MACHINE_STORAGE_PATH: store, HOME: dir, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(dir, 'prefs')};
	const {engine, dockerd} = await storeWithDockerd(t, store, env, dir);
	const record = (await readFile(path.join(fixturesDir, 'docker-machine-0.16.2/machines/p1/config.json'), 'utf8'))
		.replaceAll('/home/user/.docker/machine', store)
		.replaceAll('tcp://127.0.0.1:23760', dockerd.url);
	const machineDir = path.join(store, 'machines', 'p1');
	await mkdir(machineDir, {recursive: true, mode: 0o700});
	await writeFile(path.join(machineDir, 'config.json'), record, {mode: 0o600});
	return {store, env, engine, machineDir};
}

async function bash(command: string, env: NodeJS.ProcessEnv) {
	const wrapper = `machinist() { ${JSON.stringify(process.execPath)} ${JSON.stringify(builtCli)} "$@"; }; ${command}`;
	return exec('bash', ['-c', wrapper], {env: {PATH: process.env.PATH, ...env}});
}

const note = (store: string, machineDir: string) =>
	`Copied ca.pem, cert.pem, key.pem from ${path.join(store, 'certs')} into ${machineDir}: the docker CLI reads them there\n`;

withDockerd.serial('env of a none machine docker-machine made copies the client certificates in, and docker then works', async t => {
	const {store, env, machineDir} = await dockerMachineNoneStore(t);
	t.deepEqual(await readdir(machineDir), ['config.json']);

	const {stdout, stderr} = await bash('eval "$(machinist env p1)" && docker ps --format "{{.ID}}" && echo "docker answered"', env);
	t.is(stderr, note(store, machineDir));
	t.is(stdout, 'docker answered\n');
	for (const name of ['ca.pem', 'cert.pem', 'key.pem']) {
		t.is((await stat(path.join(machineDir, name))).mode & 0o777, 0o600, name);
		t.deepEqual(await readFile(path.join(machineDir, name)), await readFile(path.join(store, 'certs', name)));
	}

	const again = await bash('machinist env p1 >/dev/null', env);
	t.is(again.stderr, '', 'repaired once');
});

withDockerd.serial("config of such a machine repairs it the same way, and the app's env copy too", async t => {
	const {store, env, machineDir} = await dockerMachineNoneStore(t);
	const {stdout, stderr} = await bash('docker $(machinist config p1) ps --format "{{.ID}}" && echo "docker answered"', env);
	t.is(stderr, note(store, machineDir));
	t.is(stdout, 'docker answered\n');

	const second = await dockerMachineNoneStore(t);
	const exports = await envExports(second.engine, 'p1', 'bash');
	t.true(exports.includes(`export DOCKER_CERT_PATH="${second.machineDir}"\n`));
	t.deepEqual((await readdir(second.machineDir)).sort(), ['ca.pem', 'cert.pem', 'config.json', 'key.pem']);
});

/** The commands of docker-machine-0.16.2-outputs.txt, each with what it printed (stdout, then stderr) and its exit code. */
function transcript(text: string): Array<{command: string; output: string; code: number}> {
	return text
		.split(/^\$ /m)
		.slice(1)
		.map(block => {
			const lines = block.split('\n');
			const command = lines.shift()!;
			// A blank line only separates one command from the next.
			while (lines.at(-1) === '') lines.pop();
			const exit = /^\(exit (\d+)\)$/.exec(lines.at(-1) ?? '');
			if (exit) lines.pop();
			return {command, output: lines.length > 0 ? `${lines.join('\n')}\n` : '', code: exit ? Number(exit[1]) : 0};
		});
}

/** A port on `host` that accepts connections and nothing else: all a generic machine's state probe asks of its SSH port. */
async function answeringPort(t: ExecutionContext, host: string): Promise<number> {
	const server = net.createServer(socket => socket.destroy());
	await new Promise<void>(resolve => {
		server.listen(0, host, resolve);
	});
	t.teardown(
		async () =>
			new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			}),
	);
	return (server.address() as AddressInfo).port;
}

/**
 * The hint line is docker-machine's own record of its argv (it prints what it was given), and for
 * this command it names `--shell bash`, which the transcript's header leaves out.
 */
const ranAs: Record<string, string> = {
	'NO_PROXY=localhost docker-machine env --no-proxy sysd1': 'NO_PROXY=localhost docker-machine env --shell bash --no-proxy sysd1',
};

withDockerd.serial('every command docker-machine 0.16.2 ran on its store prints the same bytes and exit code from Machinist on that store', async t => {
	const dir = await temporaryDir(t, 'mdo-');
	const store = path.join(dir, 'store');
	const env = {MACHINE_STORAGE_PATH: store, HOME: dir, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(dir, 'prefs')};
	// p1's daemon listens on a free port (five digits, as 23760 has, so the columns keep their widths).
	const {engine, dockerd: p1} = await storeWithDockerd(t, store, env, dir);
	// sysd1 was a Debian host at 10.200.1.2; here it is a daemon of the same version at 127.0.0.12
	// (as many characters) on the same port 2376, with an SSH port that answers.
	const sysd1Files = {
		caCertPath: engine.certPaths.caCert,
		caKeyPath: engine.certPaths.caKey,
		serverCertPath: path.join(dir, 'sysd1.pem'),
		serverKeyPath: path.join(dir, 'sysd1-key.pem'),
	};
	await generateServerCertificate({...sysd1Files, org: 'tester.sysd1', hosts: ['127.0.0.12']});
	const sysd1 = await startDockerd({...sysd1Files, host: '127.0.0.12', port: 2376});
	t.teardown(async () => sysd1.stop());
	const sshPort = await answeringPort(t, '127.0.0.12');
	t.regex(p1.url, /:\d{5}$/);

	for (const name of ['p1', 'sysd1']) {
		const record = (await readFile(path.join(fixturesDir, `docker-machine-0.16.2/machines/${name}/config.json`), 'utf8'))
			.replaceAll('/home/user/.docker/machine', store)
			.replaceAll('tcp://127.0.0.1:23760', p1.url)
			.replaceAll('10.200.1.2', '127.0.0.12')
			.replace('"SSHPort": 22,', `"SSHPort": ${sshPort},`);
		const machineDir = path.join(store, 'machines', name);
		await mkdir(machineDir, {recursive: true, mode: 0o700});
		await writeFile(path.join(machineDir, 'config.json'), record, {mode: 0o600});
	}

	// docker-machine create -d generic copied the client certificates beside the record (the fixture keeps the record alone).
	for (const file of ['ca.pem', 'cert.pem', 'key.pem']) await copyFile(path.join(store, 'certs', file), path.join(store, 'machines', 'sysd1', file));

	// What must differ: where the store is and where the daemons listen.
	const asRecorded = (text: string) =>
		text.replaceAll(store, '/home/user/.docker/machine').replaceAll(p1.url, 'tcp://127.0.0.1:23760').replaceAll('127.0.0.12', '10.200.1.2');
	const commands = transcript(await readFile(path.join(fixturesDir, 'docker-machine-0.16.2-outputs.txt'), 'utf8'));
	t.is(commands.length, 15);
	for (const {command, output, code} of commands) {
		const ours = (ranAs[command] ?? command).replace('docker-machine', 'machinist');
		const result = await bash(`${ours} 2>&1; echo "(exit $?)"`, env);
		const [printed, exit] = result.stdout.split(/\(exit (\d+)\)\n$/);
		// Hints and errors name the program that prints them; exit codes are docker-machine's (readme, "Exit codes").
		t.is(asRecorded(printed!), output.replaceAll('docker-machine', 'machinist'), ours);
		t.is(Number(exit), code, `${ours}: exit code`);
	}
});
