import {execFile} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {machinist, userShell} from '../helpers/cli.js';
import {goAvailable} from '../helpers/go.js';
import {busyboxImageTar, startTestHost, testHostsAvailable} from '../helpers/hosts.js';
import {pluginPath, runningPlugins, testPluginDir} from '../helpers/plugin.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

const exec = promisify(execFile);
const withHostsAndGo = realTest(testHostsAvailable(), goAvailable());

withHostsAndGo.serial(
	'a machine made through a driver plugin: create, docker run, every command, the docker-machine record, no plugin left running',
	async t => {
		t.timeout(600_000);
		const host = await startTestHost('systemd');
		t.teardown(async () => host.stop());
		const store = await temporaryDir(t, 'mp-');
		const key = path.join(store, 'userkey');
		await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
		await host.authorizeKey('root', await readFile(`${key}.pub`, 'utf8'));
		const pids = path.join(store, 'plugin-pids');
		const env = {
			MACHINE_STORAGE_PATH: store,
			HOME: store,
			SHELL: '/bin/bash',
			USER: 'tester',
			MACHINIST_CONFIG_DIR: path.join(store, 'prefs'),
			PATH: await pluginPath(),
			TESTHOST_PLUGIN_PIDS: pids,
		};
		const name = 'p1';
		const ok = async (args: string[]) => {
			const result = await machinist(args, env, undefined, 300_000);
			t.is(result.code, 0, `${args.join(' ')}: ${result.stderr}${result.stdout}`);
			t.deepEqual(await runningPlugins(pids), [], `a plugin outlived "${args.join(' ')}"`);
			return result;
		};

		const help = await ok(['create', '-d', 'testhost', '--help']);
		t.regex(help.stdout, /--testhost-ip .*IP address of the test host.*\$TESTHOST_IP/);
		t.regex(help.stdout, /--testhost-ssh-port .*"?22"?/);

		const created = await ok([
			'--debug',
			'create',
			'-d',
			'testhost',
			'--testhost-ip',
			host.ip,
			'--testhost-ssh-key',
			key,
			'--testhost-api-token',
			'sekrit-api-token',
			name,
		]);
		t.regex(created.stdout, /Docker is up and running!/);
		t.regex(created.stderr, /\(p1\) DBG \| configured with token <REDACTED>/);
		t.false(created.stderr.includes('sekrit-api-token'));

		const record = JSON.parse(await readFile(path.join(store, 'machines', name, 'config.json'), 'utf8')) as {
			DriverName: string;
			Driver: Record<string, unknown>;
		};
		t.is(record.DriverName, 'testhost');
		// The plugin's own JSON, in its field order, as docker-machine stores it.
		t.deepEqual(Object.keys(record.Driver), [
			'IPAddress',
			'MachineName',
			'SSHUser',
			'SSHPort',
			'SSHKeyPath',
			'StorePath',
			'SwarmMaster',
			'SwarmHost',
			'SwarmDiscovery',
			'SSHKey',
			'APIToken',
			'Labels',
			'Fast',
			'Stopped',
		]);
		t.like(record.Driver, {IPAddress: host.ip, MachineName: name, SSHPort: 22, SSHKeyPath: path.join(store, 'machines', name, 'id_rsa'), StorePath: store});

		// userShell puts machinist first on its own PATH; the plugin's directory comes next.
		const shell = async (line: string) => userShell(env, `PATH=$PATH:${await testPluginDir()}; ${line}`);
		const tar = await busyboxImageTar();
		const run = await shell(
			`eval "$(machinist env ${name})" && docker import ${tar} busybox:machinist >/dev/null && docker run --rm busybox:machinist echo ok`,
		);
		t.is(run.stdout, 'ok\n', run.stderr);

		const ip = host.ip.replaceAll('.', String.raw`\.`);
		t.regex((await ok(['ls'])).stdout, new RegExp(String.raw`\n${name} +- +testhost +Running +tcp://${ip}:2376 +v\S+ +\n`));
		t.is((await ok(['status', name])).stdout, 'Running\n');
		t.is((await ok(['ip', name])).stdout, `${host.ip}\n`);
		t.is((await ok(['url', name])).stdout, `tcp://${host.ip}:2376\n`);

		await ok(['stop', name]);
		t.is((await ok(['status', name])).stdout, 'Stopped\n');
		await ok(['start', name]);
		t.is((await ok(['status', name])).stdout, 'Running\n');
		await ok(['kill', name]);
		t.is((await ok(['status', name])).stdout, 'Stopped\n');
		await ok(['restart', name]);
		t.is((await ok(['status', name])).stdout, 'Running\n');

		t.is((await ok(['ssh', name, 'echo', 'hello']))?.stdout, 'hello\n');
		const local = path.join(store, 'note.txt');
		await writeFile(local, 'to the machine\n');
		await ok(['scp', local, `${name}:/tmp/note.txt`]);
		t.is((await host.exec('cat /tmp/note.txt')).stdout, 'to the machine\n');

		await ok(['provision', name]);
		await ok(['regenerate-certs', '-f', name]);
		await ok(['upgrade', name]);
		const version = await shell(`eval "$(machinist env ${name})" && docker version --format '{{.Server.Version}}'`);
		t.regex(version.stdout, /^\d+\.\d+/, version.stderr);

		const removed = await ok(['--debug', 'rm', '-y', name]);
		t.regex(removed.stderr, /\(p1\) DBG \| removing p1/);
		t.is((await ok(['ls', '-q'])).stdout, '');
	},
);
