import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {
	busyboxImageTar,
	ensureRootfs,
	machineIpForward,
	setMachineIpForward,
	startTestHost,
	tcpAnswers,
	testHostsAvailable,
	type TestHost,
	type TestHostKind,
} from './hosts.js';
import {available, realTest} from './real.js';
import {waitFor} from './wait.js';

type Result = {code: number; stdout: string; stderr: string};

async function run(command: string, args: string[]): Promise<Result> {
	return new Promise(resolve => {
		execFile(command, args, {timeout: 60_000}, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
			resolve({code, stdout, stderr});
		});
	});
}

const hostsAvailable = testHostsAvailable();
const withHosts = realTest(hostsAvailable);
const hosts = new Map<TestHostKind, TestHost>();
let keyFile = '';
let keyDir = '';

async function ssh(host: TestHost, user: string, command: string): Promise<Result> {
	return run('ssh', [
		// Not this machine's ~/.ssh/config (OpenSSH finds it through the password database, not HOME).
		'-F',
		'/dev/null',
		'-o',
		'StrictHostKeyChecking=no',
		'-o',
		'UserKnownHostsFile=/dev/null',
		'-o',
		'BatchMode=yes',
		'-o',
		'LogLevel=ERROR',
		'-o',
		'ConnectTimeout=10',
		'-i',
		keyFile,
		`${user}@${host.ip}`,
		command,
	]);
}

function host(kind: TestHostKind): TestHost {
	const found = hosts.get(kind);
	if (!found) throw new Error(`no ${kind} host: setup failed`);
	return found;
}

/** What the host serves on port 22, as OpenSSH fingerprints. */
async function servedFingerprints(target: TestHost): Promise<string[]> {
	const scan = await run('ssh-keyscan', ['-T', '10', target.ip]);
	return scan.stdout
		.split('\n')
		.filter(line => line.trim() !== '' && !line.startsWith('#'))
		.map(line => {
			const blob = Buffer.from(line.split(' ')[2] ?? '', 'base64');
			return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
		})
		.sort();
}

test.before(async t => {
	if (!available(hostsAvailable)) return;
	// The first run builds the image with debootstrap: minutes, not seconds.
	t.timeout(20 * 60_000);
	const building = Date.now();
	await ensureRootfs();
	t.log(`image ready in ${Date.now() - building} ms`);

	keyDir = await mkdtemp(path.join(os.tmpdir(), 'mt-key-'));
	keyFile = path.join(keyDir, 'id_ed25519');
	const keygen = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hosts-test', '-f', keyFile]);
	if (keygen.code !== 0) throw new Error(keygen.stderr);
	const publicKey = await readFile(`${keyFile}.pub`, 'utf8');

	const started = await Promise.all(
		(['systemd', 'no-init'] as const).map(async kind => {
			const begun = Date.now();
			const started = await startTestHost(kind);
			const ms = Date.now() - begun;
			hosts.set(kind, started);
			return {kind, ms};
		}),
	);
	for (const {kind, ms} of started) t.log(`${kind} host: sshd answered ${ms} ms after startTestHost (both started in parallel)`);
	for (const each of hosts.values()) {
		for (const user of ['root', 'deploy', 'needpw'] as const) await each.authorizeKey(user, publicKey);
	}
});

test.after.always(async () => {
	await Promise.all([...hosts.values()].map(async each => each.stop()));
	if (keyDir) await rm(keyDir, {recursive: true, force: true});
});

for (const kind of ['systemd', 'no-init'] as const) {
	withHosts.serial(`${kind} host: key logins, sudo as deploy but not as needpw, Debian`, async t => {
		const target = host(kind);
		t.regex(target.ip, /^10\.200\.\d+\.2$/);
		const root = await ssh(target, 'root', 'id -u');
		t.is(root.code, 0, root.stderr);
		t.is(root.stdout.trim(), '0');
		const deploy = await ssh(target, 'deploy', 'sudo -n true && id -un');
		t.is(deploy.code, 0, deploy.stderr);
		t.is(deploy.stdout.trim(), 'deploy');
		const needpw = await ssh(target, 'needpw', 'sudo -n true');
		t.not(needpw.code, 0);
		t.regex(needpw.stderr, /password is required/);
		const release = await ssh(target, 'root', '. /etc/os-release && echo "$ID $VERSION_CODENAME"');
		t.is(release.stdout.trim(), 'debian bookworm');
		const hostname = await ssh(target, 'root', 'hostname');
		t.is(hostname.stdout.trim(), target.name);
		// Routed through this machine to the other hosts, and no further: this machine's policy
		// rule sends anything else a host sends to an unreachable route (asked, never sent).
		const subnet = target.ip.split('.')[2]!;
		const routes = await target.exec('ip route');
		t.regex(routes.stdout, new RegExp(String.raw`^default via 10\.200\.${subnet}\.1 dev eth0`, 'm'));
		const outside = await run('ip', ['route', 'get', '192.0.2.1', 'from', target.ip, 'iif', `mtv${subnet}`]);
		t.regex(outside.stdout + outside.stderr, /unreachable|Network is unreachable|No route to host/);
		t.is((await target.exec('cat /proc/sys/net/ipv4/ip_forward')).stdout.trim(), '1');
		t.is((await target.exec('grep -rhv "^#" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -c . || true')).stdout.trim(), '0');
	});
}

withHosts.serial('systemd host: systemd is PID 1, docker is enabled and runs a container from an imported image', async t => {
	t.timeout(120_000);
	const target = host('systemd');
	t.is((await target.exec('cat /proc/1/comm')).stdout.trim(), 'systemd');
	t.is((await target.exec('test -d /run/systemd/system')).code, 0);
	t.is((await target.exec('systemctl is-enabled docker.service')).stdout.trim(), 'enabled');
	await waitFor('docker.service active', async () => (await target.exec('systemctl is-active docker.service')).stdout.trim() === 'active', {
		timeoutMs: 30_000,
		intervalMs: 200,
	});

	fs.copyFileSync(await busyboxImageTar(), path.join(target.rootfs, 'root/busybox.tar'));
	const imported = await target.exec('docker import /root/busybox.tar machinist-test/busybox');
	t.is(imported.code, 0, imported.stderr);
	const begun = Date.now();
	const ran = await ssh(target, 'root', 'docker run --rm machinist-test/busybox echo ok');
	t.log(`docker run (over ssh) took ${Date.now() - begun} ms`);
	t.is(ran.code, 0, ran.stderr);
	t.is(ran.stdout, 'ok\n');
	// Restarting dockerd is what the product does after writing its drop-in.
	const restarted = await target.exec('systemctl restart docker.service && docker run --rm machinist-test/busybox echo again');
	t.is(restarted.code, 0, restarted.stderr);
	t.is(restarted.stdout, 'again\n');
});

withHosts.serial('no-init host: no systemd, and a dockerd started by hand runs containers', async t => {
	t.timeout(120_000);
	const target = host('no-init');
	t.is((await target.exec('cat /proc/1/comm')).stdout.trim(), 'tini');
	t.not((await target.exec('test -d /run/systemd/system')).code, 0);
	t.not((await ssh(target, 'root', 'systemctl is-system-running')).code, 0);
	// The way the product would: over ssh, in the background, with a pid file.
	const started = await ssh(target, 'root', 'nohup dockerd --pidfile=/run/docker.pid >/var/log/dockerd.log 2>&1 </dev/null &');
	t.is(started.code, 0, started.stderr);
	await waitFor('dockerd answers', async () => (await target.exec('docker version')).code === 0, {timeoutMs: 30_000, intervalMs: 200});
	t.regex((await target.exec('cat /run/docker.pid')).stdout, /^\d+$/);
	fs.copyFileSync(await busyboxImageTar(), path.join(target.rootfs, 'root/busybox.tar'));
	const ran = await target.exec('docker import /root/busybox.tar machinist-test/busybox >/dev/null && docker run --rm machinist-test/busybox echo ok');
	t.is(ran.code, 0, `${ran.stderr}\n${(await target.exec('tail -20 /var/log/dockerd.log')).stdout}`);
	t.is(ran.stdout, 'ok\n');
});

withHosts.serial('hosts reach each other through this machine', async t => {
	const [first, second] = [host('systemd'), host('no-init')];
	for (const [from, to] of [
		[first, second],
		[second, first],
	] as const) {
		const banner = await from.exec(`timeout 10 bash -c 'exec 3<>/dev/tcp/${to.ip}/22 && head -c 4 <&3'`);
		t.is(banner.stdout, 'SSH-', `${from.name} → ${to.ip}: ${banner.stderr}`);
	}
});

withHosts.serial('a host boots and runs a container while this machine has net.ipv4.ip_forward = 0', async t => {
	t.timeout(180_000);
	const saved = machineIpForward();
	setMachineIpForward('0');
	let target: TestHost | undefined;
	try {
		target = await startTestHost('systemd');
		t.is(machineIpForward(), '0');
		t.is((await target.exec('cat /proc/sys/net/ipv4/ip_forward')).stdout.trim(), '1');
		await waitFor('docker.service active', async () => (await target!.exec('systemctl is-active docker.service')).stdout.trim() === 'active', {
			timeoutMs: 90_000,
			intervalMs: 200,
		});
		fs.copyFileSync(await busyboxImageTar(), path.join(target.rootfs, 'root/busybox.tar'));
		// On the default bridge: the network that needs forwarding.
		const ran = await target.exec('docker import /root/busybox.tar machinist-test/busybox >/dev/null && docker run --rm machinist-test/busybox echo ok');
		t.is(ran.code, 0, `${ran.stderr}\n${(await target.exec('journalctl -u docker.service --no-pager | tail -20')).stdout}`);
		t.is(ran.stdout, 'ok\n');
	} finally {
		setMachineIpForward(saved === '1' ? '1' : '0');
		await target?.stop();
	}
});

withHosts.serial('host keys differ between hosts, and regenerating them changes what sshd serves', async t => {
	const [first, second] = [host('systemd'), host('no-init')];
	const firstKeys = await first.hostKeyFingerprints();
	t.is(firstKeys.length, 3);
	t.true(
		firstKeys.every(fingerprint => /^SHA256:[\w+/]{43}$/.test(fingerprint)),
		firstKeys.join(' '),
	);
	const secondKeys = await second.hostKeyFingerprints();
	t.deepEqual(
		firstKeys.filter(fingerprint => secondKeys.includes(fingerprint)),
		[],
	);
	t.deepEqual(await servedFingerprints(first), [...firstKeys].sort());

	for (const target of [first, second]) {
		const before = await target.hostKeyFingerprints();
		const begun = Date.now();
		await target.regenerateHostKeys();
		t.log(`${target.kind}: regenerateHostKeys took ${Date.now() - begun} ms`);
		const after = await target.hostKeyFingerprints();
		t.is(after.length, 3);
		t.deepEqual(
			after.filter(fingerprint => before.includes(fingerprint)),
			[],
		);
		t.deepEqual(await servedFingerprints(target), [...after].sort());
		t.is((await ssh(target, 'root', 'true')).code, 0);
	}
});

withHosts.serial('sshd can be stopped and started again', async t => {
	for (const target of [host('systemd'), host('no-init')]) {
		await target.stopSshd();
		const refused = await ssh(target, 'root', 'true');
		t.not(refused.code, 0);
		t.regex(refused.stderr, /refused/);
		await target.startSshd();
		t.is((await ssh(target, 'root', 'true')).code, 0);
	}
});

async function timed(work: Promise<void>): Promise<number> {
	const begun = Date.now();
	await work;
	return Date.now() - begun;
}

withHosts.serial(
	'systemd host: shutdown, power-off and reboot take the whole host down and boot it again with its disk, keys, address and containers',
	async t => {
		t.timeout(240_000);
		const target = host('systemd');
		const dockerActive = async (): Promise<void> => {
			await waitFor('docker.service active', async () => (await target.exec('systemctl is-active docker.service')).stdout.trim() === 'active', {
				timeoutMs: 60_000,
				intervalMs: 200,
			});
		};

		await dockerActive();
		fs.copyFileSync(await busyboxImageTar(), path.join(target.rootfs, 'root/busybox.tar'));
		// The container ends on SIGTERM, so a shutdown does not wait out docker's 10 s stop timeout.
		const prepared = await ssh(
			target,
			'root',
			`docker import /root/busybox.tar machinist-test/busybox >/dev/null && docker run -d --name survivor --restart always machinist-test/busybox sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null && echo kept > /root/marker && touch /run/this-boot`,
		);
		t.is(prepared.code, 0, prepared.stderr);
		const keys = await servedFingerprints(target);

		const assertOff = async (how: string): Promise<void> => {
			t.false(target.isOn(), how);
			t.false(await tcpAnswers(target.ip, 22), `${how}: sshd answers nothing`);
			t.false(await tcpAnswers(target.ip, 2376), `${how}: nothing on the Docker port`);
			t.false(fs.existsSync(`/run/netns/${target.name}`), `${how}: no network at all`);
			t.false((await run('ps', ['-eo', 'args'])).stdout.includes(target.rootfs), `${how}: no process`);
			await t.throwsAsync(target.exec('true'), {message: /is off/});
		};

		const assertBackUp = async (how: string): Promise<void> => {
			t.true(target.isOn(), how);
			const after = await ssh(target, 'root', 'cat /root/marker; test -e /run/this-boot && echo same boot || echo new boot');
			t.is(after.stdout, 'kept\nnew boot\n', `${how}: the disk is kept, /run is new`);
			t.deepEqual(await servedFingerprints(target), keys, `${how}: same host keys`);
			// dockerd started at boot by systemd, and brought back the container that had --restart always.
			await waitFor(
				`${how}: the --restart always container is back`,
				async () => (await target.exec('docker inspect -f {{.State.Running}} survivor')).stdout.trim() === 'true',
				{timeoutMs: 60_000, intervalMs: 200},
			);
			t.is((await target.exec('touch /run/this-boot')).code, 0);
		};

		t.log(`shutdown took ${await timed(target.shutdown())} ms`);
		await assertOff('after shutdown');
		t.log(`boot (to sshd) took ${await timed(target.boot())} ms`);
		await assertBackUp('after shutdown and boot');

		t.log(`power-off took ${await timed(target.powerOff())} ms`);
		await assertOff('after power-off');
		await target.powerOff();
		t.log(`boot after power-off took ${await timed(target.boot())} ms`);
		await assertBackUp('after power-off and boot');

		t.log(`reboot took ${await timed(target.reboot())} ms`);
		await assertBackUp('after reboot');
		t.regex((await ssh(target, 'root', 'ip -4 -o addr show eth0')).stdout, new RegExp(String.raw`inet ${target.ip.replaceAll('.', String.raw`\.`)}/24`));
		await target.exec('docker rm -f survivor >/dev/null');

		await t.throwsAsync(host('no-init').shutdown(), {message: /needs a systemd host/});
	},
);

withHosts.serial('stop() of a host that is off leaves nothing either, its claim included', async t => {
	const target = await startTestHost('systemd');
	await target.powerOff();
	await target.stop();
	const subnet = target.ip.split('.')[2]!;
	t.false((await run('ip', ['netns', 'list'])).stdout.includes(target.name));
	t.false(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(target.name));
	t.false(fs.existsSync(path.dirname(target.rootfs)));
	t.false(
		fs.existsSync(`/run/machinist-test/subnets/${subnet}.json`) &&
			fs.readFileSync(`/run/machinist-test/subnets/${subnet}.json`, 'utf8').includes(target.name),
	);
	t.is((await run('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-name', target.name])).stdout, '');
	await t.throwsAsync(target.boot(), {message: /stopped/});
});

withHosts.serial('stop() removes the host: no process, netns, link, mount, cgroup or directory is left', async t => {
	for (const kind of ['systemd', 'no-init'] as const) {
		const target = host(kind);
		const linksBefore = (await run('ip', ['-o', 'link', 'show'])).stdout;
		const begun = Date.now();
		await target.stop();
		t.log(`${kind} host: stop() took ${Date.now() - begun} ms`);
		hosts.delete(kind);
		await target.stop();
		t.false((await run('ip', ['netns', 'list'])).stdout.includes(target.name));
		t.false(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(target.name));
		t.false(fs.existsSync(path.dirname(target.rootfs)));
		const subnet = target.ip.split('.')[2]!;
		t.true(linksBefore.includes(`mtv${subnet}`));
		t.false((await run('ip', ['-o', 'link', 'show'])).stdout.includes(`mtv${subnet}:`));
		t.false((await run('ip', ['-o', '-4', 'addr', 'show'])).stdout.includes(`10.200.${subnet}.`));
		const cgroups = await run('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-name', target.name]);
		t.is(cgroups.stdout, '');
		t.false((await run('ps', ['-eo', 'args'])).stdout.includes(path.dirname(target.rootfs)));
		await t.throwsAsync(target.exec('true'), {message: /stopped/});
	}
});
