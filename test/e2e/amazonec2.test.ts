import {execFile} from 'node:child_process';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import {builtCli, machinist} from '../helpers/cli.js';
import {busyboxImageTar, tcpAnswers, testHostsAvailable} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';
import {waitFor} from '../helpers/wait.js';
import {startEc2Simulator, ubuntuAmi, type Ec2Simulator} from '../simulators/ec2.js';

const withHosts = realTest(testHostsAvailable());

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
	// No instance-metadata lookups either: the SDK's default chain must never leave the machine.
	return {
		store,
		env: {
			MACHINE_STORAGE_PATH: store,
			HOME: store,
			SHELL: '/bin/bash',
			USER: 'tester',
			MACHINIST_CONFIG_DIR: path.join(store, 'prefs'),
			AWS_EC2_METADATA_DISABLED: 'true',
		},
	};
}

function create(name: string, extra: string[] = [], accessKey = simulator.accessKeyId, secretKey = simulator.secretAccessKey): string[] {
	return [
		'create',
		'-d',
		'amazonec2',
		'--amazonec2-access-key',
		accessKey,
		'--amazonec2-secret-key',
		secretKey,
		'--amazonec2-endpoint',
		simulator.url,
		...extra,
		name,
	];
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
	for (const [flag, envVar] of [
		['access-key', 'AWS_ACCESS_KEY_ID'],
		['secret-key', 'AWS_SECRET_ACCESS_KEY'],
		['session-token', 'AWS_SESSION_TOKEN'],
		['region', 'AWS_DEFAULT_REGION'],
		['ami', 'AWS_AMI'],
		['endpoint', 'AWS_ENDPOINT'],
	]) {
		t.regex(help.stdout, new RegExp(String.raw`--amazonec2-${flag}\b.*\$${envVar}\b`), flag);
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

	// The right access key with a wrong secret: EC2 checks the signature and refuses it.
	const wrongSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
	const badSecret = await machinist(create('badsecret', [], simulator.accessKeyId, wrongSecret), env);
	t.is(badSecret.code, 3);
	oneLine(t, badSecret.stderr);
	t.is(
		badSecret.stderr,
		'Error with pre-create check: "AWS rejected the secret key (SignatureDoesNotMatch): it does not belong to the access key; check --amazonec2-secret-key (or $AWS_SECRET_ACCESS_KEY, your AWS profile)"\n',
	);
	t.false(badSecret.stderr.includes(wrongSecret) || badSecret.stdout.includes(wrongSecret), 'the secret is never printed');
	t.like(simulator.requests.at(-1), {status: 403});

	const noAmi = await machinist(create('badami', ['--amazonec2-ami', 'ami-0123456789abcdef0']), env);
	t.is(noAmi.code, 3);
	oneLine(t, noAmi.stderr);
	t.regex(noAmi.stderr, /InvalidAMIID\.NotFound\): check --amazonec2-ami/);
	t.is((await machinist(['ls', '-q'], env)).stdout, '');
	t.deepEqual(simulator.leftovers(), []);
});

test.serial('without flags, credentials come from $AWS_* or an ~/.aws profile; with none at all the error says where to put them', async t => {
	const {store, env} = await storeEnv(t);
	const endpoint = ['--amazonec2-endpoint', simulator.url, '--amazonec2-ami', 'ami-0123456789abcdef0'];
	const none = await machinist(['create', '-d', 'amazonec2', ...endpoint, 'nocreds'], env);
	t.is(none.code, 3);
	oneLine(t, none.stderr);
	t.regex(
		none.stderr,
		/no AWS credentials found: give --amazonec2-access-key and --amazonec2-secret-key, set \$AWS_ACCESS_KEY_ID and \$AWS_SECRET_ACCESS_KEY, or configure a profile in ~\/\.aws/,
	);

	// Both reach EC2 with the right key: the AMI lookup, not the credentials, is what fails.
	const fromEnv = await machinist(['create', '-d', 'amazonec2', ...endpoint, 'envcreds'], {
		...env,
		AWS_ACCESS_KEY_ID: simulator.accessKeyId,
		AWS_SECRET_ACCESS_KEY: simulator.secretAccessKey,
	});
	t.regex(fromEnv.stderr, /InvalidAMIID\.NotFound/);
	await mkdir(path.join(store, '.aws'));
	await writeFile(
		path.join(store, '.aws', 'credentials'),
		`[sim]\naws_access_key_id = ${simulator.accessKeyId}\naws_secret_access_key = ${simulator.secretAccessKey}\n`,
	);
	const fromProfile = await machinist(['create', '-d', 'amazonec2', ...endpoint, 'profilecreds'], {...env, AWS_PROFILE: 'sim'});
	t.regex(fromProfile.stderr, /InvalidAMIID\.NotFound/);
	t.deepEqual(simulator.leftovers(), []);
});

withHosts.serial('create, env, docker run, stop, start, restart, kill and rm of an instance that is a real host; rm leaves nothing', async t => {
	const {store, env} = await storeEnv(t);
	const name = 'ec2a';
	const started = Date.now();
	const created = await machinist(
		create(name, ['--amazonec2-tags', 'team,qa', '--amazonec2-iam-instance-profile', 'docker-host', '--engine-label', 'cloud=ec2']),
		env,
	);
	t.log(`create against the simulator took ${Date.now() - started} ms`);
	t.is(created.code, 0, created.stderr + created.stdout);

	const instance = simulator.instances().find(candidate => candidate.tags.Name === name);
	t.truthy(instance);
	t.like(instance, {
		imageId: ubuntuAmi,
		instanceType: 't3.micro',
		keyName: name,
		zone: 'us-east-1a',
		httpTokens: 'required',
		rootSize: 16,
		iamInstanceProfile: 'docker-host',
		associatePublicIp: true,
	});
	t.deepEqual(instance!.tags, {Name: name, team: 'qa'});
	const group = simulator.securityGroups().find(candidate => candidate.name === 'docker-machine');
	t.deepEqual(
		group?.ingress.map(rule => `${rule.from}/${rule.protocol} ${rule.cidr}`),
		['22/tcp 0.0.0.0/0', '2376/tcp 0.0.0.0/0'],
	);
	t.deepEqual(instance!.groupIds, [group!.id]);
	const config = (JSON.parse(await readFile(path.join(store, 'machines', name, 'config.json'), 'utf8')) as {Driver: Record<string, unknown>}).Driver;
	t.like(config, {
		InstanceId: instance!.id,
		KeyName: name,
		AMI: ubuntuAmi,
		IPAddress: instance!.host!.ip,
		SSHUser: 'ubuntu',
		CreatedSecurityGroupIds: [group!.id],
	});

	const tar = await busyboxImageTar();
	const shell = async (line: string) =>
		exec('bash', ['-c', `eval "$('${process.execPath}' '${builtCli}' env ${name})" && ${line}`], {env: {...process.env, ...env}, timeout: 120_000});
	t.is((await shell(`docker import ${tar} busybox:machinist >/dev/null && docker run --rm busybox:machinist echo ok`)).stdout, 'ok\n');
	t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Running +tcp://`));

	// The image's user, as on EC2: provisioning went through sudo.
	t.is((await machinist(['ssh', name, 'id -un && sudo -n id -un'], env)).stdout, 'ubuntu\nroot\n');

	const assertOff = async (action: string): Promise<void> => {
		t.is(instance!.state, 'stopped', action);
		t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Stopped `), action);
		t.false(instance!.host!.isOn(), `${action}: the host itself is off`);
		t.false(await tcpAnswers(instance!.host!.ip, 22), `${action}: sshd answers nothing`);
		t.false(await tcpAnswers(instance!.host!.ip, 2376), `${action}: dockerd answers nothing`);
	};

	// What only a boot clears: /run is a tmpfs; dockerd's --label came from provisioning's drop-in on the disk.
	const afterBoot = async (action: string): Promise<void> => {
		t.is((await shell('docker run --rm busybox:machinist echo again')).stdout, 'again\n', `${action}: docker works right after it`);
		t.regex((await shell(`docker info --format '{{json .Labels}}'`)).stdout, /"cloud=ec2"/, `${action}: the provisioned config survived the boot`);
		t.is((await machinist(['ssh', name, 'test -e /run/this-boot || echo booted'], env)).stdout, 'booted\n', `${action}: the host really booted`);
		t.is((await machinist(['ssh', name, 'sudo touch /run/this-boot'], env)).code, 0);
	};

	const power = async (action: string): Promise<void> => {
		const begun = Date.now();
		const result = await machinist([action, name], env);
		t.log(`${action} took ${Date.now() - begun} ms`);
		t.is(result.code, 0, `${action}: ${result.stderr}`);
	};

	t.is((await machinist(['ssh', name, 'sudo touch /run/this-boot'], env)).code, 0);
	await power('stop');
	await assertOff('stop');
	await power('start');
	t.is(instance!.state, 'running');
	await afterBoot('start');

	await power('restart');
	t.is(simulator.requests.filter(request => request.action === 'RebootInstances').length, 1);
	// EC2 reports the instance running all through a reboot, so restart may return before the
	// host even went down: wait for the reboot, and then for its Docker, before using it.
	await waitFor('the reboot', async () => (await machinist(['ssh', name, 'test -e /run/this-boot || echo booted'], env)).stdout === 'booted\n', {
		timeoutMs: 90_000,
		intervalMs: 500,
	});
	await waitFor(
		'docker after the reboot',
		async () =>
			shell('docker version').then(
				() => true,
				() => false,
			),
		{timeoutMs: 60_000, intervalMs: 500},
	);
	t.is((await machinist(['ssh', name, 'sudo touch /run/this-boot'], env)).code, 0);
	t.is((await shell('docker run --rm busybox:machinist echo rebooted')).stdout, 'rebooted\n');
	t.regex((await shell(`docker info --format '{{json .Labels}}'`)).stdout, /"cloud=ec2"/);

	await power('kill');
	t.like(simulator.requests.findLast(request => request.action === 'StopInstances')?.params, {Force: 'true'});
	await assertOff('kill');

	// rm of a stopped instance.
	const rm = await machinist(['rm', '-y', name], env);
	t.is(rm.code, 0, rm.stderr);
	t.is(instance!.state, 'terminated');
	t.deepEqual(simulator.leftovers(), [], 'the instance is terminated, and the key pair and security group it made are deleted');
	t.is((await machinist(['ls', '-q'], env)).stdout, '');
	t.deepEqual(simulator.problems, []);
});

test.serial('a launch EC2 refuses leaves the machine listed in error; rm deletes the key pair and security group made before it', async t => {
	const {env} = await storeEnv(t);
	const name = 'refused';
	const failed = await machinist(create(name, ['--amazonec2-instance-type', 'huge']), env);
	t.is(failed.code, 1);
	oneLine(t, failed.stderr);
	t.regex(failed.stderr, /Invalid value 'huge' for InstanceType\.: check --amazonec2-instance-type/);
	t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Error `));
	t.deepEqual(
		simulator.leftovers().map(item => item.replace(/ sg-\w+$/, '')),
		[`key pair ${name}`, 'security group docker-machine'],
	);

	// A machine named like an existing key pair is refused before anything is made.
	const clash = await machinist(create(name), {...env, MACHINE_STORAGE_PATH: path.join(env.MACHINE_STORAGE_PATH!, 'other')});
	t.is(clash.code, 3);
	t.regex(clash.stderr, new RegExp(`There is already a keypair with the name ${name}`));

	const rm = await machinist(['rm', '-y', name], env);
	t.is(rm.code, 0, rm.stderr);
	t.deepEqual(simulator.leftovers(), []);
});

test.serial('an instance that never starts running fails the create within the bounded wait; rm terminates it and leaves nothing', async t => {
	const {env} = await storeEnv(t);
	const name = 'stuck';
	simulator.nextInstance = {neverRunning: true};
	const failed = await machinist(create(name), {...env, MACHINIST_AMAZONEC2_RUNNING_TIMEOUT_MS: '2500'});
	t.is(failed.code, 1);
	oneLine(t, failed.stderr);
	t.regex(
		failed.stderr,
		/instance i-\w+ did not become running within 3 s \(state pending\): look at it in the EC2 console, or try another --amazonec2-zone/,
	);
	t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Error +Unknown +Creation failed: instance i-`));
	const rm = await machinist(['rm', '-y', name], env);
	t.is(rm.code, 0, rm.stderr);
	t.deepEqual(simulator.leftovers(), []);
});

withHosts.serial('an instance whose SSH never comes up fails the create in one line; it stays listed and rm leaves nothing', async t => {
	const {env} = await storeEnv(t);
	const name = 'nossh';
	simulator.nextInstance = {sshNeverUp: true};
	const failed = await machinist(create(name), {...env, MACHINIST_AMAZONEC2_SSH_TIMEOUT_MS: '4000'});
	t.is(failed.code, 1);
	oneLine(t, failed.stderr);
	t.regex(failed.stderr, /SSH on nossh .* was not available within/);
	t.regex(failed.stderr, /machinist provision nossh|machinist rm nossh/);
	t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Error +`));
	const rm = await machinist(['rm', '-y', name], env);
	t.is(rm.code, 0, rm.stderr);
	t.deepEqual(simulator.leftovers(), []);
});

test.serial('the security group machinist made is shared, kept while another instance uses it, and deleted by the last rm', async t => {
	const {env} = await storeEnv(t);
	const slow = {...env, MACHINIST_AMAZONEC2_RUNNING_TIMEOUT_MS: '1000'};
	for (const name of ['share1', 'share2']) {
		simulator.nextInstance = {neverRunning: true};
		t.is((await machinist(create(name), slow)).code, 1);
	}

	const groups = simulator.securityGroups().filter(group => group.name === 'docker-machine');
	t.is(groups.length, 1);
	t.deepEqual(groups[0]!.tags, {'machinist:created-by': 'share1'});
	t.deepEqual(
		simulator
			.instances()
			.filter(instance => instance.state === 'pending')
			.map(instance => instance.groupIds),
		[[groups[0]!.id], [groups[0]!.id]],
	);

	const first = await machinist(['rm', '-y', 'share1'], slow);
	t.is(first.code, 0, first.stderr);
	t.true(simulator.securityGroups().includes(groups[0]!), 'share2 still uses it');
	const last = await machinist(['rm', '-y', 'share2'], slow);
	t.is(last.code, 0, last.stderr);
	t.deepEqual(simulator.leftovers(), []);
});

test.serial('swarm-mode machines open the swarm ports only to their own security group; the legacy swarm flags are refused', async t => {
	const {env} = await storeEnv(t);
	const legacy = await machinist(create('swarm0', ['--swarm-master', '--swarm-discovery', 'token://abc']), env);
	t.is(
		legacy.stderr,
		'Error: --swarm-master made a standalone Swarm master, which no longer exists: use --swarm-mode manager for a new swarm, or --swarm-mode worker --swarm-manager MANAGER to join one (or "machinist swarm init|join" later)\n',
	);
	t.is((await machinist(['ls', '-q'], env)).stdout, '');

	simulator.nextInstance = {neverRunning: true};
	const failed = await machinist(create('swarm1', ['--swarm-mode', 'manager', '--amazonec2-security-group', 'swarm-group']), {
		...env,
		MACHINIST_AMAZONEC2_RUNNING_TIMEOUT_MS: '500',
	});
	t.is(failed.code, 1);
	const group = simulator.securityGroups().find(candidate => candidate.name === 'swarm-group')!;
	t.deepEqual(group.ingress.map(rule => `${rule.from}/${rule.protocol} from ${rule.sourceGroup ?? rule.cidr}`).sort(), [
		'22/tcp from 0.0.0.0/0',
		'2376/tcp from 0.0.0.0/0',
		`2377/tcp from ${group.id}`,
		`4789/udp from ${group.id}`,
		`7946/tcp from ${group.id}`,
		`7946/udp from ${group.id}`,
	]);
	// A worker in the same group adds nothing: every rule it needs is there.
	simulator.nextInstance = {neverRunning: true};
	const workerFailed = await machinist(
		create('swarm2', ['--swarm-mode', 'worker', '--swarm-manager', 'swarm1', '--amazonec2-security-group', 'swarm-group']),
		{...env, MACHINIST_AMAZONEC2_RUNNING_TIMEOUT_MS: '500'},
	);
	t.is(workerFailed.code, 1);
	t.is(group.ingress.length, 6);
	t.is((await machinist(['rm', '-y', 'swarm1', 'swarm2'], env)).code, 0);
	t.deepEqual(simulator.leftovers(), []);
});

withHosts.serial('a spot instance with a private address only: requested, used by its private IP, and the request cancelled by rm', async t => {
	const {env} = await storeEnv(t);
	const name = 'spot1';
	const created = await machinist(
		create(name, [
			'--amazonec2-request-spot-instance',
			'--amazonec2-spot-price',
			'0.02',
			'--amazonec2-private-address-only',
			'--amazonec2-open-port',
			'8080',
		]),
		env,
	);
	t.is(created.code, 0, created.stderr + created.stdout);
	const [request] = simulator.spotRequests();
	const instance = simulator.instances().find(candidate => candidate.id === request?.instanceId);
	t.like(request, {state: 'active', price: '0.02'});
	t.like(instance, {associatePublicIp: false, tags: {Name: name}});
	t.deepEqual(
		simulator
			.securityGroups()
			.find(group => group.name === 'docker-machine')
			?.ingress.map(rule => rule.from),
		[22, 2376, 8080],
	);
	t.regex(await lsRow(env, name), new RegExp(`^${name} +- +amazonec2 +Running +tcp://${instance!.host!.ip.replaceAll('.', String.raw`\.`)}:2376`));

	const rm = await machinist(['rm', '-y', name], env);
	t.is(rm.code, 0, rm.stderr);
	t.is(request!.state, 'cancelled');
	t.deepEqual(simulator.leftovers(), []);
});
