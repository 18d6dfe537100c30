import {execFile} from 'node:child_process';
import {mkdir, readFile, readdir, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {envExports} from '../../source/tui/actions.js';
import {builtCli} from '../helpers/cli.js';
import {dockerdAvailable, storeWithDockerd} from '../helpers/dockerd.js';
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
