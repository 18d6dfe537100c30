/**
 * The shares QEMU offers here, against the VM's own disk in the same VM and the same run: one
 * VM boots with every share at once (9p with cache=none, mmap and loose; virtiofs; sshfs back to
 * the host through the SSH session, as Lima's reverse-sshfs does), all of the same host folder.
 * Each sample reads a tree of 5,000 small files (find + cat) and one 200 MB file through every
 * share and from the VM's disk, the guest's page cache dropped before each read (the host's stays
 * warm, as it is for a project you work on). Cases take turns, each round in the other order.
 *
 * Then what each share promises: a file written, rewritten (same size) and renamed on the host,
 * read in the VM (how long until it is seen), and whether inotify in the VM hears of it (what file
 * watchers use); a file written, rewritten and renamed in the VM, read at once on the host.
 *
 * Run as root: `npm run bench:share` (3 rounds; about 20 minutes under TCG here). The short form
 * (`-- --smoke`: 200 files and a 2 MB file, one round) still boots a VM, so `npm test` leaves it out.
 */
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {promisify} from 'node:util';
import {shareDeviceArgs, shareKinds, sharedMemoryArgs, virtiofsdBinary, virtiofsdCommand, type ShareType} from '../source/engine/drivers/qemu/share.js';
import {writeSeedIso} from '../source/engine/vm/cidata.js';
import {freePort, sshBannerAnswers} from '../source/engine/vm/ports.js';
import {ensureVmImage, vmTestsAvailable} from '../test/helpers/vm-image.js';
import {tcgVmArgs} from './tcg-vm.js';
import {benchForm, inTurns, printTable, range, requireParts, spread} from './measure.js';

const exec = promisify(execFile);
const form = benchForm(3, 3);
requireParts('QEMU and the VM test image', vmTestsAvailable());
const virtiofsd = virtiofsdBinary(process.env);
requireParts('virtiofsd', virtiofsd ? {ok: true} : {ok: false, why: 'not found (Debian 12: qemu-system-common; later: apt-get install virtiofsd)'});

const files = form.smoke ? 200 : 5000;
const bigMiB = form.smoke ? 2 : 200;
const memoryMiB = 2048;
const shareTypes: ShareType[] = ['9p', '9p-mmap', '9p-loose', 'virtiofs'];
type Case = ShareType | 'sshfs' | 'disk';

const image = await ensureVmImage();
const scratch = await mkdtemp(path.join(os.tmpdir(), 'mbs-'));
const shared = path.join(scratch, 'shared');
const children: ChildProcess[] = [];

/** A tree like a package's: 50 folders of files of 100 B to 8 KiB. */
async function makeTree(root: string): Promise<void> {
	for (let index = 0; index < files; index++) {
		const dir = path.join(root, 'tree', `d${index % 50}`);
		if (index < 50) await mkdir(dir, {recursive: true});
		await writeFile(path.join(dir, `f${index}.js`), randomBytes(100 + ((index * 7919) % 8092)).toString('base64'));
	}

	const chunk = randomBytes(1024 * 1024);
	await writeFile(path.join(root, 'big'), Buffer.concat(Array.from({length: bigMiB}, () => chunk)));
}

const key = path.join(scratch, 'key');
let sshPort = 0;
const sshArgs = () => [
	'-q',
	'-i',
	key,
	'-p',
	String(sshPort),
	'-o',
	'StrictHostKeyChecking=no',
	'-o',
	'UserKnownHostsFile=/dev/null',
	'-o',
	'LogLevel=ERROR',
	'docker@127.0.0.1',
];

async function guest(command: string, input?: Buffer | string): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = execFile('ssh', [...sshArgs(), command], {maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000}, (error, stdout, stderr) => {
			if (error) reject(new Error(`in the VM, ${command}: ${stderr || error.message}`));
			else resolve(stdout);
		});
		child.stdin!.end(input);
	});
}

/** The seconds a guest command took, timed inside the guest after its page cache is dropped. */
async function timedInGuest(command: string): Promise<number> {
	const output = await guest(
		`sync && echo 3 | sudo tee /proc/sys/vm/drop_caches >/dev/null && s=$(date +%s%N) && ${command} && e=$(date +%s%N) && echo $(( (e - s) / 1000000 ))`,
	);
	return Number(output.trim()) / 1000;
}

async function boot(): Promise<void> {
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
	const seed = path.join(scratch, 'seed.iso');
	await writeSeedIso(seed, {
		instanceId: 'bench-share',
		hostname: 'bench',
		user: 'docker',
		publicKey: await readFile(`${key}.pub`, 'utf8'),
	});
	const disk = path.join(scratch, 'disk.qcow2');
	await exec('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image, disk, '4000M']);
	const socket = path.join(scratch, 'virtiofs.sock');
	const daemon = virtiofsdCommand(virtiofsd!, shared, socket);
	const virtiofs = spawn(daemon[0]!, daemon.slice(1), {stdio: 'ignore'});
	children.push(virtiofs);
	while (!(await readdir(scratch)).includes('virtiofs.sock')) {
		if (virtiofs.exitCode !== null) throw new Error(`virtiofsd exited: ${daemon.join(' ')}`);
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	sshPort = await freePort();
	const devices = shareTypes.flatMap((type, index) => shareDeviceArgs(type, {host: shared, tag: type, id: `share${index}`, socket}));
	const serial = path.join(scratch, 'serial.log');
	const qemu = spawn(
		'qemu-system-x86_64',
		[...tcgVmArgs({memoryMiB, disk, seed, sshPort, serial, monitor: 'none'}), ...sharedMemoryArgs(memoryMiB), ...devices],
		{stdio: 'ignore'},
	);
	children.push(qemu);
	const started = performance.now();
	while (!(await sshBannerAnswers(sshPort))) {
		if (qemu.exitCode !== null || performance.now() - started > 900_000) {
			throw new Error(
				`the VM did not answer SSH; its console ended: ${(await readFile(serial, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n')}`,
			);
		}

		await new Promise(resolve => {
			setTimeout(resolve, 1000);
		});
	}

	// sshd answers before cloud-init has made the user.
	for (let attempt = 0; ; attempt++) {
		try {
			await guest('cloud-init status --wait >/dev/null; true');
			break;
		} catch (error) {
			if (attempt > 60) throw error;
			await new Promise(resolve => {
				setTimeout(resolve, 2000);
			});
		}
	}
}

/**
 * sshfs in the VM, served by this computer's sftp-server over an SSH session (no sshd on the host
 * needed). The test image has no sshfs and no network: it comes from Debian's packages, copied in.
 * Undefined when mounted, else why not.
 */
async function mountSshfs(): Promise<string | undefined> {
	const debs = path.join(scratch, 'debs');
	await mkdir(debs);
	try {
		await exec('apt-get', ['download', 'sshfs', 'fuse3', 'libfuse3-3', 'libglib2.0-0'], {cwd: debs});
		await guest('mkdir -p /tmp/debs');
		for (const deb of await readdir(debs)) await guest(`cat > /tmp/debs/${deb}`, await readFile(path.join(debs, deb)));
		// fuse3 asks for a new initramfs, minutes under TCG, which this VM never boots again.
		await guest('sudo ln -sf /bin/true /usr/local/sbin/update-initramfs && sudo dpkg -i /tmp/debs/*.deb >/dev/null');
	} catch (error) {
		return `sshfs could not be installed in the VM: ${(error as Error).message.split('\n')[0]}`;
	}

	await guest('sudo mkdir -p /mnt/sshfs');
	const sftp = spawn('/usr/lib/openssh/sftp-server', [], {stdio: ['pipe', 'pipe', 'ignore'], cwd: shared});
	const ssh = spawn('ssh', [...sshArgs(), 'sudo sshfs :. /mnt/sshfs -f -o passive,allow_other'], {stdio: ['pipe', 'pipe', 'ignore']});
	children.push(sftp, ssh);
	sftp.stdout.pipe(ssh.stdin);
	ssh.stdout.pipe(sftp.stdin);
	for (let attempt = 0; attempt < 60; attempt++) {
		if ((await guest('mountpoint -q /mnt/sshfs && echo yes || true')).trim() === 'yes') return undefined;
		await new Promise(resolve => {
			setTimeout(resolve, 500);
		});
	}

	return 'sshfs did not mount';
}

/** A line protocol to a Python process in the VM that reads files and listens with inotify. */
const probeScript = String.raw`
import ctypes, os, select, sys, time
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
def drain():
    try:
        while os.read(fd, 65536): pass
    except BlockingIOError: pass
def content(p):
    try:
        with open(p) as f: return f.read()
    except OSError: return '-'
for line in sys.stdin:
    cmd, *args = line.split()
    if cmd == 'watch':
        libc.inotify_add_watch(fd, args[0].encode(), 0x2 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200)
        content(args[0] + '/' + args[1])
        drain(); print('ok', flush=True)
    elif cmd == 'expect':
        start = time.monotonic()
        while content(args[0]) != args[1] and time.monotonic() - start < float(args[2]): time.sleep(0.05)
        seconds = time.monotonic() - start
        seen = content(args[0]) == args[1]
        ready, _, _ = select.select([fd], [], [], 1 if seen else 0)
        drain(); print('seen' if seen else 'stale', round(seconds, 2), 'event' if ready else 'none', flush=True)
    elif cmd == 'write':
        with open(args[0], 'w') as f: f.write(args[1])
        print('ok', flush=True)
    elif cmd == 'rename':
        os.rename(args[0], args[1]); print('ok', flush=True)
`;

type Probe = {ask(line: string): Promise<string>; close(): void};

async function startProbe(): Promise<Probe> {
	await guest('cat > /tmp/probe.py', probeScript);
	const child = spawn('ssh', [...sshArgs(), 'sudo python3 -u /tmp/probe.py'], {stdio: ['pipe', 'pipe', 'inherit']});
	children.push(child);
	const lines = createInterface({input: child.stdout})[Symbol.asyncIterator]();
	return {
		async ask(line) {
			child.stdin.write(`${line}\n`);
			const answer = await lines.next();
			if (answer.done) throw new Error(`the probe in the VM ended before answering ${line}`);
			return answer.value;
		},
		close() {
			child.stdin.end();
		},
	};
}

const mountOf = (type: Case) => (type === 'disk' ? '/home/docker/disk' : `/mnt/${type}`);
const waitSeconds = 30;

/** What a share shows the other side: host changes in the VM, VM changes on the host. */
async function correctness(probe: Probe, type: Case): Promise<string[]> {
	const hostDir = path.join(shared, `probe-${type}`);
	const guestDir = `${mountOf(type)}/probe-${type}`;
	await mkdir(hostDir);
	await writeFile(path.join(hostDir, 'seen.txt'), 'zero');
	await probe.ask(`watch ${guestDir} seen.txt`);
	const inVm = async (file: string, want: string) => {
		const [seen, seconds, event] = (await probe.ask(`expect ${guestDir}/${file} ${want} ${waitSeconds}`)).split(' ');
		return {text: seen === 'seen' ? (Number(seconds) < 0.1 ? 'at once' : `after ${seconds} s`) : `not in ${waitSeconds} s`, event: event === 'event'};
	};

	await writeFile(path.join(hostDir, 'new.txt'), 'one');
	const created = await inVm('new.txt', 'one');
	await writeFile(path.join(hostDir, 'new.txt'), 'two');
	const modified = await inVm('new.txt', 'two');
	await writeFile(path.join(hostDir, 'seen.txt'), 'ones');
	const readBefore = await inVm('seen.txt', 'ones');
	await rename(path.join(hostDir, 'new.txt'), path.join(hostDir, 'moved.txt'));
	const renamed = await inVm('moved.txt', 'two');
	const onHost = async (file: string) => readFile(path.join(hostDir, file), 'utf8').catch(() => 'missing');
	await probe.ask(`write ${guestDir}/vm.txt three`);
	const vmCreate = await onHost('vm.txt');
	await probe.ask(`write ${guestDir}/vm.txt four`);
	const vmModify = await onHost('vm.txt');
	await probe.ask(`rename ${guestDir}/vm.txt ${guestDir}/vm-moved.txt`);
	const vmRename = (await onHost('vm-moved.txt')) === 'four' && (await onHost('vm.txt')) === 'missing';
	const events = [created, modified, readBefore, renamed].filter(change => change.event).length;
	return [
		`new: ${created.text}; rewritten: ${modified.text}; read file rewritten: ${readBefore.text}; renamed: ${renamed.text}`,
		vmCreate === 'three' && vmModify === 'four' && vmRename
			? 'all at once'
			: `new file reads "${vmCreate}", rewritten "${vmModify}" (not yet written back); rename ${vmRename ? 'seen' : 'not seen'}`,
		`${events} of 4`,
	];
}

try {
	await mkdir(shared);
	await makeTree(shared);
	await boot();
	for (const type of shareTypes) {
		const {fs, options} = shareKinds[type];
		await guest(`sudo mkdir -p /mnt/${type} && sudo mount -t ${fs} ${options ? `-o ${options}` : ''} ${type} /mnt/${type}`);
	}

	const sshfsProblem = await mountSshfs();
	await guest(`mkdir -p /home/docker/disk && cp -r /mnt/9p/tree /mnt/9p/big /home/docker/disk/ && sync`);
	const cases: Case[] = ['disk', ...shareTypes, ...(sshfsProblem ? [] : (['sshfs'] as const))];
	// Each sample on stderr as it comes: a run is long, and one cut short still says something.
	const measure = (type: Case) => async () => {
		const sample = {
			tree: await timedInGuest(`find ${mountOf(type)}/tree -type f -exec cat {} + >/dev/null`),
			big: await timedInGuest(`cat ${mountOf(type)}/big >/dev/null`),
		};
		console.error(`${type}: tree ${sample.tree.toFixed(2)} s, big file ${sample.big.toFixed(2)} s`);
		return sample;
	};

	const samples = await inTurns(
		cases.map(type => measure(type)),
		form.samples,
	);
	const probe = await startProbe();
	const checks = new Map<Case, string[]>();
	for (const type of cases.filter(type => type !== 'disk')) checks.set(type, await correctness(probe, type));
	probe.close();

	const diskTree = spread(samples[0]!.map(sample => sample.tree));
	const diskBig = spread(samples[0]!.map(sample => sample.big));
	const rows = cases.map((type, index) => {
		const tree = spread(samples[index]!.map(sample => sample.tree));
		const big = spread(samples[index]!.map(sample => sample.big));
		const name =
			type === 'disk'
				? "the VM's own disk (baseline)"
				: type === 'sshfs'
					? 'sshfs (reverse, over SSH)'
					: `${type} (${shareKinds[type].fs} ${shareKinds[type].options || 'cache=auto'})`;
		return [
			name,
			tree.median.toFixed(2),
			range(tree, 2),
			(tree.median / diskTree.median).toFixed(1),
			big.median.toFixed(2),
			range(big, 2),
			(big.median / diskBig.median).toFixed(1),
			...(checks.get(type) ?? ['', '', '']),
		];
	});
	if (sshfsProblem) rows.push(['sshfs', sshfsProblem, '', '', '', '', '', '', '', '']);
	printTable(
		form,
		`Shares under TCG (2 vCPUs, ${memoryMiB} MiB), ${files} files (find + cat) and a ${bigMiB} MB file, guest cache dropped: medians of ${form.samples} in turns`,
		[
			'share',
			'tree s',
			'spread',
			'× disk',
			`${bigMiB} MB s`,
			'spread',
			'× disk',
			'host change → VM read',
			'VM change → host read',
			'inotify in VM hears host changes',
		],
		rows,
	);
} finally {
	for (const child of children.toReversed()) child.kill('SIGKILL');
	await rm(scratch, {recursive: true, force: true});
}
