/**
 * Published ports of a qemu machine reach 127.0.0.1 by themselves: one real VM under TCG, made
 * from the cached test image, shared by every check here (each boot costs a minute or more), so
 * the checks run in order and each leaves the VM as the next expects: no test containers left.
 */
import {execFile} from 'node:child_process';
import dgram from 'node:dgram';
import {mkdtemp, mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {builtCli} from '../helpers/cli.js';
import {busyboxImageTar, tcpAnswers} from '../helpers/hosts.js';
import {realTest} from '../helpers/real.js';
import {ensureVmImage, vmTestsAvailable} from '../helpers/vm-image.js';
import {waitFor} from '../helpers/wait.js';
import {parseUsernet} from '../../source/engine/drivers/qemu/forwards.js';
import {freePort} from '../../source/engine/vm/ports.js';
import {withQmp} from '../../source/engine/vm/qmp.js';
import {socketPathFor} from '../../source/engine/vm/sockets.js';

const withVm = realTest(vmTestsAvailable());
const name = 'ports';
type Run = {code: number; stdout: string; stderr: string};

type Vm = {env: NodeJS.ProcessEnv; machineDir: string; docker: (...args: string[]) => Promise<Run>};
let vmPromise: Promise<Vm> | undefined;
let root = '';

async function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20 * 60_000): Promise<Run> {
	return new Promise(resolve => {
		execFile(program, args, {env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

async function machinist(vm: Pick<Vm, 'env'>, ...args: string[]): Promise<Run> {
	return run(process.execPath, [builtCli, ...args], vm.env);
}

async function dockerVariables(vm: Pick<Vm, 'env'>): Promise<NodeJS.ProcessEnv> {
	const variables: NodeJS.ProcessEnv = {};
	for (const [, key, value] of (await machinist(vm, 'env', '--shell', 'bash', name)).stdout.matchAll(/^export (\w+)="(.*)"$/gm)) variables[key!] = value;
	return variables;
}

/** The machine, created once from the cached image, with the busybox image imported into its Docker. */
async function sharedVm(): Promise<Vm> {
	vmPromise ??= (async () => {
		root = await mkdtemp(path.join(os.tmpdir(), 'mp-'));
		const env: NodeJS.ProcessEnv = {
			PATH: process.env.PATH,
			HOME: root,
			MACHINE_STORAGE_PATH: path.join(root, 'store'),
			MACHINIST_CONFIG_DIR: path.join(root, 'prefs'),
			XDG_RUNTIME_DIR: path.join(root, 'run'),
			MACHINIST_QEMU_BOOT_TIMEOUT_MS: '900000',
			MACHINIST_QEMU_DOCKER_TIMEOUT_MS: '900000',
		};
		await mkdir(env.XDG_RUNTIME_DIR!, {mode: 0o700});
		const image = await ensureVmImage();
		const create = await machinist(
			{env},
			'create',
			'-d',
			'qemu',
			'--qemu-boot-image',
			image,
			'--qemu-no-share',
			// A hundred containers at once: each has its shim and, per published port, a docker-proxy.
			'--qemu-memory',
			'3072',
			'--qemu-disk-size',
			'4000',
			name,
		);
		if (create.code !== 0) throw new Error(`create failed: ${create.stdout}${create.stderr}`);
		const dockerEnv = {...env, ...(await dockerVariables({env}))};
		const docker = async (...args: string[]) => run('docker', args, dockerEnv, 5 * 60_000);
		const imported = await docker('import', await busyboxImageTar(), 'busybox:machinist');
		if (imported.code !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
		return {env, machineDir: path.join(env.MACHINE_STORAGE_PATH!, 'machines', name), docker};
	})();
	return vmPromise;
}

/** The shared machine with no containers and so no forwards, whatever a failed check before left. */
async function cleanVm(): Promise<Vm> {
	const vm = await sharedVm();
	const left = (await vm.docker('ps', '-aq')).stdout.split('\n').filter(Boolean);
	if (left.length > 0) await vm.docker('rm', '-f', ...left);
	await waitFor('no forwards left', async () => (await forwardsInQemu(vm)).length === 0, {timeoutMs: 30_000, intervalMs: 200});
	return vm;
}

test.after.always(async () => {
	if (!vmPromise) return;
	const vm = await vmPromise.catch(() => undefined);
	if (vm) await machinist(vm, 'rm', '-f', '-y', name);
	if (root) await rm(root, {recursive: true, force: true});
});

/** QEMU's own table of the VM's forwards (`info usernet`), the machine's SSH and Docker ones left out. */
async function forwardsInQemu(vm: Vm): Promise<string[]> {
	const config = JSON.parse(await readFile(path.join(vm.machineDir, 'config.json'), 'utf8')) as {Driver: {SSHPort: number; EnginePort: number}};
	const socket = socketPathFor(vm.machineDir, 'qmp.sock', vm.env);
	const rows = parseUsernet(await withQmp(socket, async client => client.human('info usernet')));
	return rows
		.filter(row => row.port !== config.Driver.SSHPort && row.port !== config.Driver.EnginePort)
		.map(row => `${row.port}/${row.protocol}`)
		.sort();
}

/** The ports the running containers publish, as `docker ps` shows them. */
async function publishedByDocker(vm: Vm): Promise<string[]> {
	const ps = await vm.docker('ps', '--format', '{{.Ports}}');
	const ports = new Set([...ps.stdout.matchAll(/0\.0\.0\.0:(\d+)->\d+\/(tcp|udp)/g)].map(match => `${match[1]}/${match[2]}`));
	return [...ports].sort();
}

async function httpText(port: number): Promise<string | undefined> {
	try {
		const response = await fetch(`http://127.0.0.1:${port}/`, {signal: AbortSignal.timeout(2000)});
		return await response.text();
	} catch {
		return undefined;
	}
}

const web = ['busybox:machinist', 'sh', '-c', 'mkdir -p /www && echo "hello $HOSTNAME" > /www/index.html && exec httpd -f -p 80 -h /www'];

withVm.serial('a port published with -p answers on 127.0.0.1 within a second of docker run, and goes when the container stops', async t => {
	t.timeout(30 * 60_000);
	const vm = await cleanVm();
	const times: number[] = [];
	for (const round of [1, 2, 3]) {
		const port = await freePort();
		const started = await vm.docker('run', '-d', '--name', `web${round}`, '--hostname', `web${round}`, '-p', `${port}:80`, ...web);
		t.is(started.code, 0, started.stderr);
		const ran = performance.now();
		t.is(await waitFor(`127.0.0.1:${port}`, async () => httpText(port), {timeoutMs: 10_000, intervalMs: 20}), `hello web${round}\n`);
		times.push(Math.round(performance.now() - ran));
		t.deepEqual(await forwardsInQemu(vm), [`${port}/tcp`]);
		t.is((await vm.docker('stop', '-t', '0', `web${round}`)).code, 0);
		const stopped = performance.now();
		await waitFor(`the forward of ${port} to go`, async () => (await forwardsInQemu(vm)).length === 0, {timeoutMs: 10_000, intervalMs: 50});
		t.false(await tcpAnswers('127.0.0.1', port), 'nothing answers on the port');
		t.log(
			`round ${round}: reachable ${times.at(-1)} ms after docker run returned; forward gone ${Math.round(performance.now() - stopped)} ms after docker stop`,
		);
		await vm.docker('rm', `web${round}`);
	}

	t.true(Math.max(...times) < 1000, `reachable after ${times.join(', ')} ms`);
});

withVm.serial('-P publishes random VM ports, reached on the same ports of 127.0.0.1 as docker port reports', async t => {
	t.timeout(30 * 60_000);
	const vm = await cleanVm();
	t.is((await vm.docker('run', '-d', '--name', 'any', '--hostname', 'any', '--expose', '80', '--expose', '81', '-P', ...web)).code, 0);
	const reported = await vm.docker('port', 'any', '80/tcp');
	const port = Number(/0\.0\.0\.0:(\d+)/.exec(reported.stdout)?.[1]);
	t.true(port > 0, reported.stdout);
	t.is(await waitFor(`127.0.0.1:${port}`, async () => httpText(port), {timeoutMs: 5000}), 'hello any\n');
	t.deepEqual(await forwardsInQemu(vm), await publishedByDocker(vm));
	t.is((await vm.docker('rm', '-f', 'any')).code, 0);
	await waitFor('no forwards left', async () => (await forwardsInQemu(vm)).length === 0, {timeoutMs: 10_000});
});

withVm.serial('a UDP port published with -p/udp reaches the container from 127.0.0.1', async t => {
	t.timeout(30 * 60_000);
	const vm = await cleanVm();
	const port = await freePort();
	// Busybox has no UDP server: the VM's own python3, through chroot (a default capability).
	const echo = `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(("0.0.0.0", 9999))\nwhile True:\n    data, peer = s.recvfrom(1500)\n    s.sendto(b"echo " + data, peer)\n`;
	const started = await vm.docker(
		'run',
		'-d',
		'--name',
		'udp',
		'-p',
		`${port}:9999/udp`,
		'-v',
		'/:/host:ro',
		'busybox:machinist',
		'chroot',
		'/host',
		'python3',
		'-c',
		echo,
	);
	t.is(started.code, 0, started.stderr);
	const socket = dgram.createSocket('udp4');
	t.teardown(() => socket.close());
	let answer = '';
	socket.on('message', message => {
		answer = message.toString();
	});
	await waitFor(
		'an answer over UDP',
		() => {
			if (answer) return true;
			socket.send('ping', port, '127.0.0.1');
			return false;
		},
		{timeoutMs: 60_000, intervalMs: 300},
	);
	t.is(answer, 'echo ping');
	t.deepEqual(await forwardsInQemu(vm), [`${port}/udp`]);
	t.is((await vm.docker('rm', '-f', 'udp')).code, 0);
	await waitFor('the UDP forward to go', async () => (await forwardsInQemu(vm)).length === 0, {timeoutMs: 10_000});
});

withVm.serial('a host port taken on this computer is skipped: the container runs, ls and inspect say what holds the port', async t => {
	t.timeout(30 * 60_000);
	const vm = await cleanVm();
	const holder = net.createServer();
	await new Promise<void>(resolve => holder.listen(0, '127.0.0.1', resolve));
	t.teardown(() => holder.close());
	const {port} = holder.address() as net.AddressInfo;
	const started = await vm.docker('run', '-d', '--name', 'taken', '-p', `${port}:80`, ...web);
	t.is(started.code, 0, started.stderr);
	t.regex((await vm.docker('inspect', '-f', '{{.State.Running}}', 'taken')).stdout, /true/);
	const expected = new RegExp(String.raw`published port ${port}/tcp of taken is not on 127\.0\.0\.1: in use by node \(pid ${process.pid}\)`);
	const ls = await waitFor(
		'ls to name the taken port',
		async () => {
			const listed = await machinist(vm, 'ls', '--format', '{{.Name}} {{.State}} {{.Error}}');
			return expected.test(listed.stdout) && listed.stdout;
		},
		{timeoutMs: 15_000, intervalMs: 500},
	);
	t.regex(ls, /^ports Running /m);
	const inspect = JSON.parse((await machinist(vm, 'inspect', '-f', 'json', name)).stdout) as {Error: string};
	t.regex(inspect.Error, expected);
	t.deepEqual(await forwardsInQemu(vm), []);
	t.is((await vm.docker('rm', '-f', 'taken')).code, 0);
	await waitFor('ls to clear the error', async () => !(await machinist(vm, 'ls', '--format', '{{.Error}}')).stdout.includes('published port'), {
		timeoutMs: 15_000,
		intervalMs: 500,
	});
});

withVm.serial('a burst of containers with the agent killed -9 midway converges, after any command, to the forwards of the running ones', async t => {
	t.timeout(40 * 60_000);
	const vm = await cleanVm();
	const count = 100;
	const ports = await Promise.all(Array.from({length: count}, async () => freePort()));
	const script = path.join(root, 'burst.sh');
	// Containers start eight at a time, as a compose file's services would.
	await writeFile(script, 'printf "%s\\n" "$@" | xargs -P 8 -I{} sh -c \'docker run -d --name b{} -p {}:80 busybox:machinist httpd -f -p 80 >/dev/null\'\n');
	const variables = await dockerVariables(vm);
	const started = performance.now();
	const burst = run('bash', [script, ...ports.map(String)], {...vm.env, ...variables}, 20 * 60_000);
	const agentBefore = Number((await readFile(path.join(vm.machineDir, 'port-agent.pid'), 'utf8')).trim());
	await waitFor('a few containers to run', async () => (await publishedByDocker(vm)).length >= 5, {timeoutMs: 10 * 60_000, intervalMs: 200});
	process.kill(agentBefore, 'SIGKILL');
	t.is((await burst).code, 0);
	t.log(`${count} containers started in ${Math.round((performance.now() - started) / 1000)} s, the agent killed after the fifth`);
	// Half of them go in a burst too, while no agent runs.
	const gone = ports.filter((_port, index) => index % 2 === 0);
	t.is((await vm.docker('rm', '-f', ...gone.map(port => `b${port}`))).code, 0);
	t.is((await machinist(vm, 'ls')).code, 0);
	const agentAfter = Number((await readFile(path.join(vm.machineDir, 'port-agent.pid'), 'utf8')).trim());
	t.not(agentAfter, agentBefore);
	const converged = performance.now();
	const wanted = await publishedByDocker(vm);
	t.is(wanted.length, count / 2);
	await waitFor('QEMU to forward exactly the running containers’ ports', async () => (await forwardsInQemu(vm)).join(',') === wanted.join(','), {
		timeoutMs: 30_000,
		intervalMs: 200,
	});
	t.log(`converged ${Math.round(performance.now() - converged)} ms after ls restarted the agent`);
	t.deepEqual(await forwardsInQemu(vm), wanted);
	const kept = ports.find((_port, index) => index % 2 === 1)!;
	t.true((await httpText(kept)) !== undefined, `127.0.0.1:${kept} answers`);
	t.is((await vm.docker('rm', '-f', ...ports.filter(port => !gone.includes(port)).map(port => `b${port}`))).code, 0);
	await waitFor('no forwards left', async () => (await forwardsInQemu(vm)).length === 0, {timeoutMs: 30_000, intervalMs: 200});
});

withVm.serial(
	'stop ends the agent and the forwards; start brings both back for a container that restarts, and so does a reboot from inside the VM',
	async t => {
		t.timeout(30 * 60_000);
		const vm = await cleanVm();
		const port = await freePort();
		const pidFile = path.join(vm.machineDir, 'port-agent.pid');
		const agentPid = async () => Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
		t.is((await vm.docker('run', '-d', '--name', 'kept', '--hostname', 'kept', '--restart', 'always', '-p', `${port}:80`, ...web)).code, 0);
		t.is(await waitFor(`127.0.0.1:${port}`, async () => httpText(port), {timeoutMs: 5000, intervalMs: 50}), 'hello kept\n');
		const first = await agentPid();

		const stop = await machinist(vm, 'stop', name);
		t.is(stop.code, 0, stop.stderr);
		t.throws(() => process.kill(first, 0), {code: 'ESRCH'}, 'the agent ends with the VM');
		t.false(await tcpAnswers('127.0.0.1', port), 'nothing answers on the port of a stopped machine');

		const start = await machinist(vm, 'start', name);
		t.is(start.code, 0, start.stderr);
		const second = await agentPid();
		t.true(second > 0 && second !== first, 'start starts an agent');
		t.is(await waitFor(`127.0.0.1:${port} after start`, async () => httpText(port), {timeoutMs: 60_000, intervalMs: 200}), 'hello kept\n');
		t.deepEqual(await forwardsInQemu(vm), [`${port}/tcp`]);

		// A reboot from inside: QEMU runs on, and so does the agent, which follows Docker back.
		const startedAt = async () => (await vm.docker('inspect', '-f', '{{.State.StartedAt}}', 'kept')).stdout.trim();
		const before = await startedAt();
		await machinist(vm, 'ssh', name, 'sudo systemctl reboot');
		// While the VM goes down and comes back, inspect answers nothing: only a new start time counts.
		await waitFor('the container to start again after the reboot', async () => ![before, ''].includes(await startedAt()), {
			timeoutMs: 10 * 60_000,
			intervalMs: 1000,
		});
		t.is(await waitFor(`127.0.0.1:${port} after the reboot`, async () => httpText(port), {timeoutMs: 60_000, intervalMs: 200}), 'hello kept\n');
		t.is(await agentPid(), second, 'the same agent');
		t.deepEqual(await forwardsInQemu(vm), [`${port}/tcp`]);
		const removed = await vm.docker('rm', '-f', 'kept');
		t.is(removed.code, 0, removed.stderr);
	},
);

withVm.serial('rm leaves no agent and no forward', async t => {
	t.timeout(10 * 60_000);
	const vm = await cleanVm();
	const port = await freePort();
	t.is((await vm.docker('run', '-d', '--name', 'last', '-p', `${port}:80`, ...web)).code, 0);
	await waitFor(`127.0.0.1:${port}`, async () => httpText(port), {timeoutMs: 5000});
	const agent = Number((await readFile(path.join(vm.machineDir, 'port-agent.pid'), 'utf8')).trim());
	t.is((await machinist(vm, 'rm', '-y', name)).code, 0);
	t.false(await tcpAnswers('127.0.0.1', port), 'nothing answers on the port');
	t.throws(() => process.kill(agent, 0), {code: 'ESRCH'});
});
