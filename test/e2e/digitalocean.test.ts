import {execFile} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import {builtCli, machinist} from '../helpers/cli.js';
import {busyboxImageTar, tcpAnswers, testHostsAvailable} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean.js';

const withHosts = realTest(testHostsAvailable());

const exec = promisify(execFile);

// One simulator for the file; each test uses machine names of its own and cleans up after itself.
let simulator: DigitalOceanSimulator;

test.before(async () => {
	simulator = await startDigitalOceanSimulator({maxPerPage: 5});
});

test.after.always(async () => {
	await simulator?.close();
});

async function storeEnv(t: ExecutionContext, extra: NodeJS.ProcessEnv = {}): Promise<{store: string; env: NodeJS.ProcessEnv}> {
	const store = await temporaryDir(t, 'mdo-');
	return {
		store,
		env: {MACHINE_STORAGE_PATH: store, HOME: store, SHELL: '/bin/bash', USER: 'tester', MACHINIST_CONFIG_DIR: path.join(store, 'prefs'), ...extra},
	};
}

function create(name: string, extra: string[] = [], token = simulator.token): string[] {
	return ['create', '-d', 'digitalocean', '--digitalocean-access-token', token, '--digitalocean-api-url', simulator.url, ...extra, name];
}

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
	const started = Date.now();
	const result = await work;
	return [result, Date.now() - started];
}

function oneLine(t: ExecutionContext, stderr: string): void {
	t.is(stderr.trimEnd().split('\n').length, 1, stderr);
}

/** What DigitalOcean still holds for a machine: its droplet and the key made for it. */
function leftovers(name: string): string[] {
	return [
		...simulator
			.droplets()
			.filter(droplet => droplet.name === name)
			.map(droplet => `droplet ${droplet.id}`),
		...simulator
			.keys()
			.filter(key => key.name === `machinist-${name}`)
			.map(key => `key ${key.id}`),
	];
}

async function config(store: string, name: string): Promise<Record<string, unknown>> {
	return (JSON.parse(await readFile(path.join(store, 'machines', name, 'config.json'), 'utf8')) as {Driver: Record<string, unknown>}).Driver;
}

async function lsRow(env: NodeJS.ProcessEnv, name: string): Promise<string> {
	const {stdout} = await machinist(['ls'], env);
	return stdout.split('\n').find(line => line.startsWith(`${name} `)) ?? '';
}

async function removed(t: ExecutionContext, env: NodeJS.ProcessEnv, name: string): Promise<void> {
	const rm = await machinist(['rm', '-y', name], env);
	t.is(rm.code, 0, rm.stderr);
	t.deepEqual(leftovers(name), [], 'nothing is left on DigitalOcean');
	t.is((await machinist(['ls', '-q'], env)).stdout, '');
}

test.serial('create -d digitalocean --help lists every driver flag with its env var and default', async t => {
	const {env} = await storeEnv(t);
	const help = await machinist(['create', '-d', 'digitalocean', '--help'], env);
	t.is(help.code, 0, help.stderr);
	for (const [flag, envVar] of [
		['access-token', 'ACCESS_TOKEN'],
		['image', 'IMAGE'],
		['region', 'REGION'],
		['size', 'SIZE'],
		['ipv6', 'IPV6'],
		['private-networking', 'PRIVATE_NETWORKING'],
		['backups', 'BACKUPS'],
		['userdata', 'USERDATA'],
		['ssh-user', 'SSH_USER'],
		['ssh-port', 'SSH_PORT'],
		['ssh-key-path', 'SSH_KEY_PATH'],
		['ssh-key-fingerprint', 'SSH_KEY_FINGERPRINT'],
		['monitoring', 'MONITORING'],
		['tags', 'TAGS'],
		['api-url', 'API_URL'],
	]) {
		t.regex(help.stdout, new RegExp(String.raw`--digitalocean-${flag}\b.*\$DIGITALOCEAN_${envVar}\b`), flag);
	}

	t.regex(help.stdout, /"ubuntu-24-04-x64"/);
	t.regex(help.stdout, /"s-1vcpu-1gb"/);
});

test.serial('a missing or rejected token fails before anything is made, in one line that names the flag', async t => {
	const {env} = await storeEnv(t);
	const missing = await machinist(['create', '-d', 'digitalocean', '--digitalocean-api-url', simulator.url, 'notoken'], env);
	t.is(missing.code, 1);
	t.is(missing.stderr, 'Error setting machine configuration from flags provided: digitalocean driver requires the --digitalocean-access-token option\n');

	const secret = 'dop_v1_this-token-is-wrong';
	const rejected = await machinist(create('badtoken', [], secret), env);
	t.is(rejected.code, 3);
	oneLine(t, rejected.stderr);
	t.regex(
		rejected.stderr,
		/^Error with pre-create check: "DigitalOcean rejected the access token \(401 Unable to authenticate you\): check --digitalocean-access-token or \$DIGITALOCEAN_ACCESS_TOKEN"/,
	);
	t.false(rejected.stderr.includes(secret) || rejected.stdout.includes(secret), 'the token is never printed');
	t.is((await machinist(['ls', '-q'], env)).stdout, '', 'a failed pre-create check leaves no machine');

	// The env var works as the flag does.
	const fromEnv = await machinist(['create', '-d', 'digitalocean', '--digitalocean-api-url', simulator.url, 'envtoken'], {
		...env,
		DIGITALOCEAN_ACCESS_TOKEN: secret,
	});
	t.is(fromEnv.code, 3);
	t.regex(fromEnv.stderr, /401/);
});

test.serial('a wrong region, size or image fails the pre-create check saying what to use instead', async t => {
	const {env} = await storeEnv(t);
	const cases: Array<[string[], RegExp]> = [
		[
			['--digitalocean-region', 'mars1'],
			/region "mars1" does not exist: use one of ams3, atl1, blr1, fra1, lon1, nyc1, nyc3, sfo2, sfo3, sgp1, syd1, tor1 \(--digitalocean-region\)/,
		],
		[['--digitalocean-region', 'nyc2'], /region nyc2 takes no new droplets at the moment: use one of ams3, .*nyc3.* \(--digitalocean-region\)/],
		[
			['--digitalocean-size', 's-64vcpu-1tb'],
			/size "s-64vcpu-1tb" is not offered in region nyc3: use one of s-1vcpu-512mb-10gb, s-1vcpu-1gb, .* \(--digitalocean-size\)/,
		],
		[['--digitalocean-region', 'syd1', '--digitalocean-size', 'c-2'], /size "c-2" is not offered in region syd1/],
		[['--digitalocean-image', 'windows-11'], /image "windows-11" does not exist: check --digitalocean-image/],
		[['--digitalocean-image', '170000001'], /image "170000001" is not available in region nyc3: use one of fra1 \(--digitalocean-region\)/],
		[['--digitalocean-userdata', '/nonexistent/user-data'], /user-data file \/nonexistent\/user-data could not be found: check --digitalocean-userdata/],
		[['--digitalocean-ssh-key-path', '/etc/hostname'], /--digitalocean-ssh-key-path needs --digitalocean-ssh-key-fingerprint/],
	];
	for (const [flags, expected] of cases) {
		const failed = await machinist(create('wrong', flags), env);
		t.is(failed.code, 3, flags.join(' '));
		oneLine(t, failed.stderr);
		t.regex(failed.stderr, expected);
	}

	t.is((await machinist(['ls', '-q'], env)).stdout, '');
	t.deepEqual(leftovers('wrong'), []);
});

test.serial('the API refusing the droplet (422 or 500) leaves the machine listed in error, and rm removes the imported key', async t => {
	const {env} = await storeEnv(t);
	const cases: Array<[string, number, string, RegExp]> = [
		[
			'refused',
			422,
			'You specified an invalid size for Droplet creation.',
			/DigitalOcean refused to create the droplet: You specified an invalid size for Droplet creation\. \(check --digitalocean-size\)/,
		],
		[
			'broken',
			500,
			'Server was unable to give you a response.',
			/POST \/v2\/droplets: 500 Server was unable to give you a response\. \(a problem on DigitalOcean's side: try again later/,
		],
	];
	for (const [name, status, message, expected] of cases) {
		simulator.failNextDropletCreate(status, message);
		const failed = await machinist(create(name), env);
		t.is(failed.code, 1);
		oneLine(t, failed.stderr);
		t.regex(failed.stderr, /^Error creating machine: Error in driver during machine creation: /);
		t.regex(failed.stderr, expected);
		t.regex(failed.stderr, new RegExp(`"machinist rm ${name}" removes what was made`));
		t.is(simulator.requests.findLast(request => request.method === 'POST' && request.path === '/v2/droplets')?.status, status);
		t.regex(await lsRow(env, name), new RegExp(`^${name} +- +digitalocean +Error +Unknown +Creation failed: .*machinist rm ${name}`));
		t.deepEqual(
			leftovers(name),
			[`key ${(await config(env.MACHINE_STORAGE_PATH!, name)).SSHKeyID as number}`],
			'the key was imported before the droplet failed',
		);
		await removed(t, env, name);
	}

	t.is(
		simulator.requests.filter(request => request.method === 'POST' && request.path === '/v2/droplets' && request.status === 500).length,
		1,
		'a failed POST is not repeated: it might have made a droplet',
	);
});

test.serial('a droplet that never becomes active fails the create within the bounded wait, and rm destroys it', async t => {
	const {env} = await storeEnv(t, {MACHINIST_DIGITALOCEAN_ACTIVE_TIMEOUT_MS: '3000'});
	simulator.nextDroplet = {neverActive: true};
	const [failed, ms] = await timed(machinist(create('stuck'), env));
	t.log(`gave up after ${ms} ms`);
	t.true(ms < 15_000, `took ${ms} ms`);
	t.is(failed.code, 1);
	oneLine(t, failed.stderr);
	t.regex(
		failed.stderr,
		/droplet \d+ did not become active within 3 s \(status new, no public IPv4 address\): look at it in the DigitalOcean control panel, or try another --digitalocean-region\. The machine is kept so that "machinist rm stuck" removes what was made/,
	);
	t.regex(await lsRow(env, 'stuck'), /^stuck +- +digitalocean +Error +Unknown +Creation failed: droplet \d+ did not become active/);
	t.is(leftovers('stuck').length, 2);
	await removed(t, env, 'stuck');
});

withHosts.serial('create, env, docker run, stop, start, restart, kill and rm of a droplet that is a real host', async t => {
	const {store, env} = await storeEnv(t);
	const name = 'do1';
	const userData = path.join(store, 'user-data.sh');
	await writeFile(userData, '#!/bin/sh\necho "made by user data" > /root/user-data-ran\n');

	const [created, ms] = await timed(
		machinist(
			create(name, [
				'--digitalocean-tags',
				'team:qa, web',
				'--digitalocean-monitoring',
				'--digitalocean-userdata',
				userData,
				'--engine-label',
				'cloud=do',
			]),
			env,
		),
	);
	t.log(`create against the simulator took ${ms} ms`);
	t.is(created.code, 0, created.stderr + created.stdout);
	t.deepEqual(
		created.stdout
			.split('\n')
			.filter(line => !line.startsWith('Creating CA') && !line.startsWith('Creating client'))
			.slice(0, 9),
		[
			'Running pre-create checks...',
			'Creating machine...',
			`(${name}) Creating SSH key...`,
			`(${name}) Creating Digital Ocean droplet...`,
			`(${name}) Waiting for IP address to be assigned to the Droplet...`,
			...created.stdout.split('\n').filter(line => line.startsWith(`(${name}) Droplet `)),
			'Waiting for machine to be running, this may take a few minutes...',
			'Detecting operating system of created instance...',
			'Waiting for SSH to be available...',
		],
	);
	t.false(created.stdout.includes(simulator.token), 'the token is never printed');
	t.true(
		created.stdout.endsWith(
			`Docker is up and running!\nTo see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: machinist env ${name}\n`,
		),
	);

	const droplet = simulator.droplets().find(candidate => candidate.name === name);
	const key = simulator.keys().find(candidate => candidate.name === `machinist-${name}`);
	t.truthy(droplet && key);
	t.deepEqual(
		{
			tags: droplet!.tags,
			monitoring: droplet!.monitoring,
			region: droplet!.region,
			size: droplet!.size,
			image: droplet!.image.slug,
			keys: droplet!.sshKeys,
		},
		{tags: ['team:qa', 'web'], monitoring: true, region: 'nyc3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', keys: [key!.id]},
	);
	t.like(await config(store, name), {
		DropletID: droplet!.id,
		DropletName: name,
		SSHKeyID: key!.id,
		SSHKeyFingerprint: '',
		IPAddress: droplet!.ip,
		SSHUser: 'root',
		SSHPort: 22,
		Region: 'nyc3',
		Size: 's-1vcpu-1gb',
		Image: 'ubuntu-24-04-x64',
		Monitoring: true,
		Tags: 'team:qa, web',
		APIURL: simulator.url,
	});
	t.is((await droplet!.host!.exec('cat /root/user-data-ran')).stdout, 'made by user data\n');

	const tar = await busyboxImageTar();
	const shell = async (line: string) =>
		exec('bash', ['-c', `eval "$('${process.execPath}' '${builtCli}' env ${name})" && ${line}`], {env: {...process.env, ...env}, timeout: 120_000});
	const run = await shell(`docker import ${tar} busybox:machinist >/dev/null && docker run --rm busybox:machinist echo ok`);
	t.is(run.stdout, 'ok\n', run.stderr);
	t.regex(
		await lsRow(env, name),
		new RegExp(String.raw`^${name} +- +digitalocean +Running +tcp://${droplet!.ip.replaceAll('.', String.raw`\.`)}:2376 +v\S+ +$`),
	);

	const power = async (action: string, expected: 'Running' | 'Stopped'): Promise<void> => {
		const [result, actionMs] = await timed(machinist([action, name], env));
		t.log(`${action} took ${actionMs} ms`);
		t.is(result.code, 0, `${action}: ${result.stderr}`);
		t.regex(await lsRow(env, name), new RegExp(`^${name} +- +digitalocean +${expected} `), action);
		t.is(droplet!.status, expected === 'Running' ? 'active' : 'off');
		t.is(droplet!.host!.isOn(), expected === 'Running', `${action}: the host itself is ${expected === 'Running' ? 'on' : 'off'}`);
		// Off means nothing answers at the droplet's address; on, both answer.
		t.is(await tcpAnswers(droplet!.ip, 22), expected === 'Running', `${action}: sshd`);
		t.is(await tcpAnswers(droplet!.ip, 2376), expected === 'Running', `${action}: dockerd`);
	};

	// What only a boot clears: /run is a tmpfs; dockerd's --label came from provisioning's drop-in on the disk.
	const afterBoot = async (action: string): Promise<void> => {
		t.is((await shell('docker run --rm busybox:machinist echo again')).stdout, 'again\n', `${action}: docker works right after it`);
		t.regex((await shell(`docker info --format '{{json .Labels}}'`)).stdout, /"cloud=do"/, `${action}: the provisioned config survived the boot`);
		t.is((await machinist(['ssh', name, 'test -e /run/this-boot || echo booted'], env)).stdout, 'booted\n', `${action}: the host really booted`);
		t.is((await machinist(['ssh', name, 'touch /run/this-boot'], env)).code, 0);
	};

	t.is((await machinist(['ssh', name, 'touch /run/this-boot'], env)).code, 0);
	await power('stop', 'Stopped');
	t.regex((await machinist(['ssh', name, 'true'], env)).stderr, /not running|refused/i);
	await power('start', 'Running');
	await afterBoot('start');
	await power('restart', 'Running');
	await afterBoot('restart');
	await power('kill', 'Stopped');
	const again = await machinist(['stop', name], env);
	t.is(again.stderr, `Machine "${name}" is already stopped.\n`);
	await power('start', 'Running');
	await afterBoot('start after kill');
	t.is((await machinist(['ssh', name, 'hostname'], env)).stdout, `${name}\n`);

	// A Docker that does not come back after a boot: start waits for it, then says where to look.
	t.is((await machinist(['ssh', name, 'systemctl disable --quiet docker.service docker.socket'], env)).code, 0);
	await power('stop', 'Stopped');
	const [noDocker, noDockerMs] = await timed(machinist(['start', name], {...env, MACHINIST_DIGITALOCEAN_DOCKER_TIMEOUT_MS: '3000'}));
	t.log(`start of a droplet whose Docker stays down failed after ${noDockerMs} ms`);
	t.is(noDocker.code, 1);
	oneLine(t, noDocker.stderr);
	t.regex(
		noDocker.stderr,
		new RegExp(
			String.raw`^The Docker of machine "${name}" did not answer at tcp://(10\.200\.\d+\.\d+):2376 within 3 s \(last error: .+\): run "machinist provision ${name}" to set Docker up again\n$`,
		),
	);
	t.is(droplet!.status, 'active');

	await removed(t, env, name);
	const listed = await fetch(`${simulator.url}/v2/droplets?tag_name=web`, {headers: {authorization: `Bearer ${simulator.token}`}});
	t.like(await listed.json(), {droplets: [], meta: {total: 0}});
	t.deepEqual(simulator.problems, []);
});

withHosts.serial('a key already in the account is used by fingerprint and kept by rm; 429s on the way are waited out', async t => {
	const {store, env} = await storeEnv(t);
	const keyPath = path.join(store, 'account-key');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@laptop', '-f', keyPath]);
	const added = await fetch(`${simulator.url}/v2/account/keys`, {
		method: 'POST',
		headers: {authorization: `Bearer ${simulator.token}`, 'content-type': 'application/json'},
		body: JSON.stringify({name: 'my laptop', public_key: await readFile(`${keyPath}.pub`, 'utf8')}),
	});
	const {ssh_key: accountKey} = (await added.json()) as {ssh_key: {id: number; fingerprint: string}};

	const wrongKey = path.join(store, 'other-key');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
	const mismatch = await machinist(
		create('mine', ['--digitalocean-ssh-key-fingerprint', accountKey.fingerprint, '--digitalocean-ssh-key-path', wrongKey]),
		env,
	);
	t.is(mismatch.code, 3);
	t.regex(mismatch.stderr, /the SSH key .*other-key has fingerprint [\da-f:]+, not [\da-f:]+: give the key that matches --digitalocean-ssh-key-fingerprint/);
	const unknown = await machinist(create('mine', ['--digitalocean-ssh-key-fingerprint', '00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff']), env);
	t.regex(
		unknown.stderr,
		/Digital Ocean SSH key with fingerprint 00:11:.* doesn't exist: add the key to your account, or check --digitalocean-ssh-key-fingerprint/,
	);
	await removed(t, env, 'mine');

	const before = simulator.requests.length;
	simulator.rateLimit(3, 1);
	const [created, ms] = await timed(
		machinist(create('mine', ['--digitalocean-ssh-key-fingerprint', accountKey.fingerprint, '--digitalocean-ssh-key-path', keyPath]), env),
	);
	t.log(`create with three 429s (Retry-After: 1) took ${ms} ms`);
	t.is(created.code, 0, created.stderr + created.stdout);
	t.is(simulator.requests.slice(before).filter(request => request.status === 429).length, 3);
	t.like(await config(store, 'mine'), {
		SSHKeyID: accountKey.id,
		SSHKeyFingerprint: accountKey.fingerprint,
		SSHKey: keyPath,
		SSHKeyPath: path.join(store, 'machines', 'mine', 'account-key'),
	});
	t.is((await machinist(['ssh', 'mine', 'echo', 'in'], env)).stdout, 'in\n');

	await removed(t, env, 'mine');
	t.true(
		simulator.keys().some(key => key.id === accountKey.id),
		"the user's own key stays in the account",
	);
});

withHosts.serial('SSH that never comes up (key not installed, sshd down) fails with what to do; rm leaves nothing', async t => {
	const {env} = await storeEnv(t, {MACHINIST_DIGITALOCEAN_SSH_TIMEOUT_MS: '5000'});
	simulator.nextDroplet = {ssh: 'unauthorized'};
	const [refused, refusedMs] = await timed(machinist(create('nokey'), env));
	t.log(`a refused key failed the create after ${refusedMs} ms`);
	t.is(refused.code, 1);
	oneLine(t, refused.stderr);
	t.regex(refused.stderr, /Error running provisioning: .*(Permission denied|not authorized).*machinist provision nokey.*machinist rm nokey/);
	t.regex(await lsRow(env, 'nokey'), /^nokey +- +digitalocean +Error +Unknown +Provisioning failed/);
	await removed(t, env, 'nokey');

	simulator.nextDroplet = {ssh: 'down'};
	const [down, downMs] = await timed(machinist(create('nossh'), env));
	t.log(`sshd down failed the create after ${downMs} ms`);
	t.true(downMs < 30_000, `took ${downMs} ms`);
	t.is(down.code, 1);
	oneLine(t, down.stderr);
	t.regex(
		down.stderr,
		/SSH on nossh \(root@10\.200\.\d+\.2:22\) was not available within 5 s .*Check that the machine booted and runs sshd.*machinist rm nossh/,
	);
	t.regex(await lsRow(env, 'nossh'), /^nossh +- +digitalocean +Error +Unknown +Provisioning failed/);
	await removed(t, env, 'nossh');
	t.deepEqual(simulator.problems, []);
});

test.serial('after all of the above, DigitalOcean holds nothing machinist made', t => {
	t.deepEqual(
		simulator.droplets().map(droplet => droplet.name),
		[],
	);
	t.deepEqual(
		simulator
			.keys()
			.map(key => key.name)
			.filter(name => name.startsWith('machinist-')),
		[],
	);
	t.deepEqual(simulator.problems, []);
});
