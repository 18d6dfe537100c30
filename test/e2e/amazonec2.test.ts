import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import {builtCli, machinist} from '../helpers/cli.js';
import {busyboxImageTar, testHostsAvailable} from '../helpers/hosts.js';
import {requireReal} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';
import {startEc2Simulator, ubuntuAmi, type Ec2Simulator} from '../simulators/ec2.js';

const exec = promisify(execFile);

let simulator: Ec2Simulator;

test.before(async () => {
	simulator = await startEc2Simulator();
});

test.after.always(async () => {
	await simulator?.close();
});

async function storeEnv(t: ExecutionContext): Promise<{store: string; env: NodeJS.ProcessEnv}> {
	const store = await temporaryDir(t, 'mec2-');
	// HOME in the store: no ~/.aws profile of the machine running the tests is ever read.
	return {store, env: {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs')}};
}

function create(name: string, extra: string[] = [], accessKey = simulator.accessKeyId): string[] {
	return ['create', '-d', 'amazonec2', '--amazonec2-access-key', accessKey, '--amazonec2-secret-key', simulator.secretAccessKey, '--amazonec2-endpoint', simulator.url, ...extra, name];
}

function oneLine(t: ExecutionContext, stderr: string): void {
	t.is(stderr.trimEnd().split('\n').length, 1, stderr);
}

async function lsRow(env: NodeJS.ProcessEnv, name: string): Promise<string> {
	const {stdout} = await machinist(['ls'], env);
	return stdout.split('\n').find(line => line.startsWith(`${name} `)) ?? '';
}

test.serial('create -d amazonec2 --help lists the driver flags with env vars and defaults', async t => {
	const {env} = await storeEnv(t);
	const help = await machinist(['create', '-d', 'amazonec2', '--help'], env);
	t.is(help.code, 0, help.stderr);
	for (const [flag, envVar] of [['access-key', 'AWS_ACCESS_KEY_ID'], ['secret-key', 'AWS_SECRET_ACCESS_KEY'], ['session-token', 'AWS_SESSION_TOKEN'], ['region', 'AWS_DEFAULT_REGION'], ['ami', 'AWS_AMI'], ['endpoint', 'AWS_ENDPOINT']]) {
		t.regex(help.stdout, new RegExp(`--amazonec2-${flag}\\b.*\\$${envVar}\\b`), flag);
	}

	t.regex(help.stdout, /"t3\.micro"/);
	t.regex(help.stdout, /"us-east-1"/);
});

test.serial('rejected credentials and a missing AMI fail the pre-create check in one line naming the flag, making nothing', async t => {
	const {env} = await storeEnv(t);
	const rejected = await machinist(create('badcreds', [], 'AKIAWRONGWRONGWRONG'), env);
	t.is(rejected.code, 3);
	oneLine(t, rejected.stderr);
	t.regex(rejected.stderr, /AWS rejected the credentials \(AuthFailure: .*\): check --amazonec2-access-key/);
	t.false(rejected.stderr.includes(simulator.secretAccessKey));

	const noAmi = await machinist(create('badami', ['--amazonec2-ami', 'ami-0123456789abcdef0']), env);
	t.is(noAmi.code, 3);
	oneLine(t, noAmi.stderr);
	t.regex(noAmi.stderr, /InvalidAMIID\.NotFound\): check --amazonec2-ami/);
	t.is((await machinist(['ls', '-q'], env)).stdout, '');
	t.deepEqual(simulator.leftovers(), []);
});

test.serial('create, env, docker run, stop, start and rm of an instance that is a real host; rm leaves nothing', async t => {
	if (!requireReal(t, testHostsAvailable())) return;
	const {store, env} = await storeEnv(t);
	const name = 'ec2a';
	const started = Date.now();
	const created = await machinist(create(name, ['--amazonec2-ssh-user', 'root', '--amazonec2-tags', 'team,qa', '--amazonec2-iam-instance-profile', 'docker-host']), env);
	t.log(`create against the simulator took ${Date.now() - started} ms`);
	t.is(created.code, 0, created.stderr + created.stdout);

	const [instance] = simulator.instances().filter(candidate => candidate.tags['Name'] === name);
	t.truthy(instance);
	t.like(instance, {imageId: ubuntuAmi, instanceType: 't3.micro', keyName: name, zone: 'us-east-1a', httpTokens: 'required', rootSize: 16, iamInstanceProfile: 'docker-host', associatePublicIp: true});
	t.deepEqual(instance!.tags, {Name: name, team: 'qa'});
	const group = simulator.securityGroups().find(candidate => candidate.name === 'docker-machine');
	t.deepEqual(group?.ingress.map(rule => `${rule.from}/${rule.protocol} ${rule.cidr}`), ['22/tcp 0.0.0.0/0', '2376/tcp 0.0.0.0/0']);
	t.deepEqual(instance!.groupIds, [group!.id]);
	const config = (JSON.parse(await readFile(path.join(store, 'machines', name, 'config.json'), 'utf8')) as {Driver: Record<string, unknown>}).Driver;
	t.like(config, {InstanceId: instance!.id, KeyName: name, AMI: ubuntuAmi, IPAddress: instance!.host!.ip, SSHUser: 'root', CreatedSecurityGroupIds: [group!.id]});

	const tar = await busyboxImageTar();
	const shell = async (line: string) => exec('bash', ['-c', `eval "$('${process.execPath}' '${builtCli}' env ${name})" && ${line}`], {env: {...process.env, ...env}, timeout: 120_000});
	t.is((await shell(`docker import ${tar} busybox:machinist >/dev/null && docker run --rm busybox:machinist echo ok`)).stdout, 'ok\n');
	t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Running +tcp://`));

	const stop = await machinist(['stop', name], env);
	t.is(stop.code, 0, stop.stderr);
	t.is(instance!.state, 'stopped');
	t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Stopped `));
	const start = await machinist(['start', name], env);
	t.is(start.code, 0, start.stderr);
	t.is(instance!.state, 'running');
	t.is((await shell('docker run --rm busybox:machinist echo again')).stdout, 'again\n');

	const rm = await machinist(['rm', '-y', name], env);
	t.is(rm.code, 0, rm.stderr);
	t.is(instance!.state, 'terminated');
	t.deepEqual(simulator.leftovers(), [], 'the instance is terminated, and the key pair and security group it made are deleted');
	t.is((await machinist(['ls', '-q'], env)).stdout, '');
	t.deepEqual(simulator.problems, []);
});
