import {execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {access, constants, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {MachinistError, errorMessage} from '../errors.js';
import {ensureImage} from '../images/cache.js';
import {boolOption, intOption, listOption, stringOption, type OptionSpec} from '../options.js';
import type {MachineState} from '../machines/state.js';
import type {BaseDriverConfig} from '../store/host.js';
import {writeSeedIso} from '../vm/cidata.js';
import {type QmpClient, withQmp} from '../vm/qmp.js';
import {assertPortFree, ensureSocketDir, freePort, removeSocket, runningPid, socketPathFor, sshBannerAnswers, tailOfLog, waitForExit} from '../vm/runtime.js';
import {listField, numberField, stringField} from './fields.js';
import type {Driver, DriverContext, DriverDefinition, PortForward, SshDetails} from './driver.js';

export type Accel = 'auto' | 'kvm' | 'hvf' | 'whpx' | 'tcg';

type QemuConfig = BaseDriverConfig & {
	CPU: number;
	/** MiB. */
	Memory: number;
	/** MiB. */
	DiskSize: number;
	/** As given: a URL or a local file. */
	BootImage: string;
	BootImageChecksum: string;
	/** The file the disk is an overlay on (in the cache, or the user's file). */
	ImagePath: string;
	Accel: Accel;
	/** What `auto` settled on at create, so later starts need no second probe. */
	AccelUsed: string;
	QemuBinary: string;
	EnginePort: number;
	/** `HOST:GUEST` TCP forwards beyond SSH and Docker, from --qemu-forward and `port`. */
	Forwards: string[];
	/** `HOST:GUEST`; empty for none. */
	ShareFolder: string;
};

const debianImages: Record<string, string> = {
	x64: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2',
	arm64: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-arm64.qcow2',
};
/**
 * Debian's `generic` image, not `genericcloud`: the cloud kernel has no 9p, which the home
 * share needs. Its sums file is published beside it.
 */
export const defaultImage = {
	url: debianImages[process.arch] ?? debianImages.x64!,
	checksum: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS',
};

const guestUser = 'docker';
const shareTag = 'machinist-share0';

const files = {
	disk: 'disk.qcow2',
	seed: 'seed.iso',
	pid: 'qemu.pid',
	serial: 'serial.log',
	socket: 'qmp.sock',
} as const;

// Defaults of the waits a face may change through the driver context's timings.
/** How long a boot may take to reach sshd: TCG first boots with cloud-init take a minute or two. */
const bootTimeoutMs = (context: DriverContext) => context.timings?.readyTimeoutMs ?? 300_000;
/** How long an accelerated guest may take to print its first kernel line. */
const accelProbeMs = (context: DriverContext) => context.timings?.accelProbeMs ?? 30_000;
const powerdownMs = (context: DriverContext) => context.timings?.stopTimeoutMs ?? 60_000;
const quitMs = 5000;

/** A kernel line on the serial console: the guest really runs, past firmware and boot loader. */
const kernelProgress = /\[\s*\d+\.\d{6}\]|Linux version/;

const execFileAsync = promisify(execFile);

function defaultBinary(): string {
	return process.arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

/** The package that provides QEMU, per system, for the "not installed" error. */
function installHint(): string {
	switch (process.platform) {
		case 'darwin': {
			return 'brew install qemu';
		}

		case 'win32': {
			return 'winget install SoftwareFreedomConservancy.QEMU';
		}

		default: {
			const arch = process.arch === 'arm64' ? 'qemu-system-arm qemu-efi-aarch64' : 'qemu-system-x86';
			return `sudo apt-get install ${arch} qemu-utils (Debian, Ubuntu), sudo dnf install qemu-kvm qemu-img (Fedora), sudo pacman -S qemu-full (Arch)`;
		}
	}
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
	if (name.includes('/'))
		return access(name, constants.X_OK).then(
			() => name,
			() => undefined,
		);
	for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
		const candidate = path.join(dir, name);
		if (
			await access(candidate, constants.X_OK).then(
				() => true,
				() => false,
			)
		)
			return candidate;
	}

	return undefined;
}

/** The accelerators this computer offers, best first; tcg always works. */
async function offeredAccels(): Promise<Accel[]> {
	switch (process.platform) {
		case 'linux': {
			return (await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
				() => true,
				() => false,
			))
				? ['kvm', 'tcg']
				: ['tcg'];
		}

		case 'darwin': {
			return ['hvf', 'tcg'];
		}

		case 'win32': {
			return ['whpx', 'tcg'];
		}

		default: {
			return ['tcg'];
		}
	}
}

/** arm64 guests boot UEFI firmware that comes with QEMU but lives in different places. */
async function aarch64Firmware(binary: string): Promise<string> {
	const candidates = [
		'/usr/share/qemu-efi-aarch64/QEMU_EFI.fd',
		'/usr/share/AAVMF/AAVMF_CODE.fd',
		'/usr/share/edk2/aarch64/QEMU_EFI.fd',
		path.join(path.dirname(path.dirname(binary)), 'share/qemu/edk2-aarch64-code.fd'),
	];
	for (const candidate of candidates) {
		if (
			await access(candidate).then(
				() => true,
				() => false,
			)
		)
			return candidate;
	}

	throw new MachinistError(`no UEFI firmware for arm64 guests found (looked in ${candidates.join(', ')}): install qemu-efi-aarch64`);
}

function parseForward(text: string, flag: string): PortForward {
	const match = /^(\d{1,5}):(\d{1,5})$/.exec(text.trim());
	const host = Number(match?.[1]);
	const guest = Number(match?.[2]);
	if (!match || host < 1 || host > 65_535 || guest < 1 || guest > 65_535) {
		throw new MachinistError(`${flag} "${text}" is not HOST:GUEST (two ports, 1-65535), e.g. 8080:80`);
	}

	return {host, guest};
}

function lastLines(lines: readonly string[]): string {
	return lines.length > 0 ? lines.join(' | ') : '(nothing)';
}

/** Local VMs in QEMU: a Debian cloud image booted with cloud-init, Docker reached on 127.0.0.1. */
class QemuDriver implements Driver {
	readonly driverName = 'qemu';
	readonly provisions = true;
	readonly config: QemuConfig;
	/** create and start return once sshd answers, so provisioning waits only briefly. */
	readonly sshWaitMs = 60_000;

	constructor(config: QemuConfig) {
		this.config = config;
	}

	private log(context: DriverContext, message: string): void {
		context.progress?.({type: 'log', machine: this.config.MachineName, message});
	}

	private file(context: DriverContext, name: keyof typeof files): string {
		return name === 'socket' ? socketPathFor(context.machineDir, files.socket, context.env) : path.join(context.machineDir, files[name]);
	}

	private binary(): string {
		return this.config.QemuBinary || defaultBinary();
	}

	private async requireProgram(name: string, context: DriverContext): Promise<string> {
		const found = await findOnPath(name, context.env);
		if (!found) throw new MachinistError(`QEMU is not installed (${name} not found): install it with ${installHint()}, or give --qemu-binary`);
		return found;
	}

	async preCreateCheck(context: DriverContext): Promise<void> {
		await this.requireProgram(this.binary(), context);
		await this.requireProgram(this.qemuImg(), context);
		if (this.config.ShareFolder) {
			const host = this.config.ShareFolder.split(':')[0]!;
			const info = await stat(host).catch(() => undefined);
			if (!info?.isDirectory())
				throw new MachinistError(`the share folder ${host} is not a directory: check --qemu-share-folder, or use --qemu-no-share`);
		}

		const fixed: Array<[number, string]> = [
			[this.config.SSHPort, '--qemu-ssh-port'],
			[this.config.EnginePort, '--qemu-engine-port'],
			...this.config.Forwards.map(forward => [parseForward(forward, '--qemu-forward').host, '--qemu-forward'] as [number, string]),
		];
		for (const [port, flag] of fixed) {
			if (port !== 0) await assertPortFree(port, flag);
		}
	}

	private qemuImg(): string {
		const binary = this.binary();
		return binary.includes('/') ? path.join(path.dirname(binary), 'qemu-img') : 'qemu-img';
	}

	async create(context: DriverContext): Promise<void> {
		const {signal} = context;
		if (this.config.SSHPort === 0) this.config.SSHPort = await freePort();
		if (this.config.EnginePort === 0) this.config.EnginePort = await freePort();

		const image = await this.fetchImage(context);
		this.config.ImagePath = image.path;

		this.log(context, 'Creating SSH key...');
		const {generateKeyPair, writeKeyPair} = await import('../ssh/keys.js');
		const pair = await generateKeyPair('ed25519', `machinist-${this.config.MachineName}`);
		this.config.SSHKeyPath = (await writeKeyPair(context.machineDir, pair)).privateKeyPath;

		this.log(context, 'Creating disk image...');
		const virtualSize = await this.virtualSizeMiB(image.path, image.format);
		if (this.config.DiskSize < virtualSize) {
			throw new MachinistError(`--qemu-disk-size ${this.config.DiskSize} is smaller than the image (${virtualSize} MiB): give at least ${virtualSize}`);
		}

		await this.run(
			this.qemuImg(),
			['create', '-q', '-f', 'qcow2', '-F', image.format, '-b', image.path, this.file(context, 'disk'), `${this.config.DiskSize}M`],
			signal,
		);
		await writeSeedIso(this.file(context, 'seed'), {
			instanceId: `machinist-${this.config.MachineName}-${randomBytes(4).toString('hex')}`,
			hostname: this.config.MachineName,
			user: guestUser,
			publicKey: pair.publicKey,
			shares: this.share() ? [{tag: shareTag, guestPath: this.share()!.guest}] : [],
		});

		this.log(context, 'Starting VM...');
		await this.boot(context, true);
	}

	private async fetchImage(context: DriverContext) {
		const cacheDir = path.join(this.config.StorePath, 'cache');
		let lastPercent = -1;
		return ensureImage(this.config.BootImage, {
			cacheDir,
			checksum: this.config.BootImageChecksum,
			signal: context.signal,
			env: context.env,
			onDownload: (url, size) => {
				this.log(context, `Downloading ${url}${size ? ` (${Math.ceil(size / 1024 / 1024)} MiB)` : ''} to ${cacheDir}...`);
			},
			onProgress: (received, total) => {
				const percent = total ? Math.floor((received / total) * 100) : -1;
				if (total && percent === lastPercent) return;
				if (!total && received - lastPercent < 8 * 1024 * 1024) return;
				lastPercent = total ? percent : received;
				const mib = (bytes: number) => `${Math.floor(bytes / 1024 / 1024)} MiB`;
				context.progress?.({
					type: 'download',
					machine: this.config.MachineName,
					received,
					...(total ? {total} : {}),
					message: total
						? `Downloading ${path.posix.basename(this.config.BootImage)}: ${percent}% (${mib(received)} of ${mib(total)})`
						: `Downloading ${path.posix.basename(this.config.BootImage)}: ${mib(received)}`,
				});
			},
			onWarning(message) {
				context.progress?.({type: 'warning', message});
			},
		});
	}

	private async virtualSizeMiB(file: string, format: string): Promise<number> {
		const output = await this.run(this.qemuImg(), ['info', '--output=json', '-f', format, file]);
		const size = Number((JSON.parse(output) as {'virtual-size'?: number})['virtual-size']);
		return Math.ceil(size / 1024 / 1024);
	}

	private async run(program: string, args: string[], signal?: AbortSignal): Promise<string> {
		try {
			const {stdout} = await execFileAsync(program, args, {signal, maxBuffer: 4 * 1024 * 1024});
			return stdout;
		} catch (error) {
			signal?.throwIfAborted();
			const failure = error as NodeJS.ErrnoException & {stderr?: string};
			if (failure.code === 'ENOENT') throw new MachinistError(`QEMU is not installed (${program} not found): install it with ${installHint()}`);
			const detail = (failure.stderr ?? '').trim().split('\n').pop() ?? failure.message;
			if (/No space left/i.test(detail))
				throw new MachinistError(`no space left for ${this.config.MachineName}'s disk in ${path.dirname(this.config.StorePath)}: free some space`);
			throw new MachinistError(`${path.basename(program)} failed: ${detail}`);
		}
	}

	private share(): {host: string; guest: string} | undefined {
		if (!this.config.ShareFolder) return undefined;
		const [host, guest] = this.config.ShareFolder.split(':');
		return {host: host!, guest: guest || host!};
	}

	private forwards(): PortForward[] {
		return [
			{host: this.config.SSHPort, guest: 22},
			// The daemon listens on the same port inside: provisioning configures it from the URL.
			{host: this.config.EnginePort, guest: this.config.EnginePort},
			...this.config.Forwards.map(forward => parseForward(forward, '--qemu-forward')),
		];
	}

	private async qemuArgs(context: DriverContext, accel: string): Promise<string[]> {
		const arm = process.arch === 'arm64';
		const netdev = ['user', 'id=net0', ...this.forwards().map(forward => `hostfwd=tcp:127.0.0.1:${forward.host}-:${forward.guest}`)].join(',');
		const args = [
			'-name',
			`machinist-${this.config.MachineName},process=machinist-${this.config.MachineName}`,
			'-machine',
			arm ? 'virt' : 'q35',
			'-accel',
			accel,
			'-smp',
			String(this.config.CPU),
			'-m',
			String(this.config.Memory),
			...(arm ? ['-cpu', accel === 'tcg' ? 'cortex-a72' : 'host', '-bios', await aarch64Firmware(this.binary())] : []),
			'-drive',
			`if=virtio,file=${this.file(context, 'disk')},format=qcow2,discard=unmap`,
			'-drive',
			`if=virtio,file=${this.file(context, 'seed')},format=raw,readonly=on`,
			'-netdev',
			netdev,
			'-device',
			'virtio-net-pci,netdev=net0',
			'-serial',
			`file:${this.file(context, 'serial')}`,
			'-display',
			'none',
			'-monitor',
			'none',
			'-qmp',
			`unix:${this.file(context, 'socket')},server=on,wait=off`,
			'-pidfile',
			this.file(context, 'pid'),
			'-daemonize',
		];
		const share = this.share();
		if (share) args.push('-virtfs', `local,path=${share.host},mount_tag=${shareTag},security_model=none,id=share0`);
		return args;
	}

	/** Starts QEMU in the background; its own errors (a port in use, say) come back as one line. */
	private async launch(context: DriverContext, accel: string): Promise<void> {
		const binary = await this.requireProgram(this.binary(), context);
		const socket = this.file(context, 'socket');
		await ensureSocketDir(socket);
		await rm(socket, {force: true});
		await rm(this.file(context, 'pid'), {force: true});
		const args = await this.qemuArgs(context, accel);
		const stderr = await new Promise<{code: number | null; text: string}>((resolve, reject) => {
			const child = spawn(binary, args, {stdio: ['ignore', 'ignore', 'pipe'], cwd: context.machineDir});
			let text = '';
			child.stderr.on('data', (chunk: Buffer) => {
				text += chunk.toString('utf8');
			});
			child.once('error', reject);
			// The daemon keeps the pipe until it has set up; its errors come before that.
			child.once('close', code => {
				resolve({code, text});
			});
		});
		if (stderr.code === 0) return;
		const message = stderr.text.trim().split('\n').findLast(Boolean) ?? `exit status ${stderr.code}`;
		const port = /host forwarding rule 'tcp:127\.0\.0\.1:(\d+)-/.exec(stderr.text)?.[1];
		if (port)
			throw new MachinistError(
				`port ${port} on 127.0.0.1 is in use, so QEMU cannot forward it: stop what listens there, or choose another port (--qemu-ssh-port, --qemu-engine-port, --qemu-forward; 0 picks a free one)`,
			);
		if (/No space left/i.test(stderr.text))
			throw new MachinistError(`no space left to start ${this.config.MachineName}: free some space in ${context.machineDir}`);
		throw new MachinistError(`QEMU could not start ${this.config.MachineName}: ${message.replace(/^qemu-system-\w+: /, '')}`);
	}

	private marker(context: DriverContext): string {
		return this.file(context, 'pid');
	}

	private async pid(context: DriverContext): Promise<number | undefined> {
		return runningPid(this.file(context, 'pid'), this.marker(context));
	}

	/**
	 * Boots the VM and waits for sshd. With an accelerator, the guest must print a kernel line on
	 * its serial console within the probe time: nested KVM that accepts a VM but never runs it
	 * (guests stop after "Probing EDD") is caught here; `auto` then falls back to TCG.
	 */
	private async boot(context: DriverContext, firstBoot: boolean): Promise<void> {
		let accel = this.config.AccelUsed;
		if (!accel) {
			const offered = await offeredAccels();
			if (this.config.Accel === 'auto') accel = offered[0]!;
			else if (this.config.Accel !== 'tcg' && !offered.includes(this.config.Accel)) {
				throw new MachinistError(`this computer does not offer ${this.config.Accel} acceleration: use --qemu-accel auto or tcg`);
			} else accel = this.config.Accel;
		}

		await this.launch(context, accel);
		if (accel !== 'tcg' && firstBoot) {
			const problem = await this.probeProgress(context);
			if (problem) {
				await this.forceStop(context);
				if (this.config.Accel !== 'auto') {
					throw new MachinistError(
						`the VM made no progress under ${accel} (${problem}): this computer's ${accel} does not run guests (nested virtualization?); use --qemu-accel tcg`,
					);
				}

				context.progress?.({
					type: 'warning',
					message: `${accel} is offered but the VM made no progress under it (${problem}); using tcg, which is slower`,
				});
				accel = 'tcg';
				await this.launch(context, accel);
			}
		}

		this.config.AccelUsed = accel;
		await this.waitForSsh(context);
	}

	/** Undefined when the guest printed a kernel line; otherwise what was seen instead. */
	private async probeProgress(context: DriverContext): Promise<string | undefined> {
		const deadline = Date.now() + accelProbeMs(context);
		while (Date.now() < deadline) {
			context.signal?.throwIfAborted();
			const lines = await tailOfLog(this.file(context, 'serial'), 200);
			if (lines.some(line => kernelProgress.test(line))) return undefined;
			const status = await this.queryStatus(context).catch(() => undefined);
			if (status === 'internal-error' || status === 'guest-panicked') return `QEMU reports ${status}`;
			if (!(await this.pid(context))) return 'QEMU exited';
			await new Promise(resolve => {
				setTimeout(resolve, 500);
			});
		}

		return `no kernel output on the serial console within ${Math.round(accelProbeMs(context) / 1000)} s; last lines: ${lastLines(await tailOfLog(this.file(context, 'serial'), 3))}`;
	}

	private async waitForSsh(context: DriverContext): Promise<void> {
		const timeoutMs = bootTimeoutMs(context);
		const deadline = Date.now() + timeoutMs;
		let reported = Date.now();
		while (Date.now() < deadline) {
			context.signal?.throwIfAborted();
			if (await sshBannerAnswers(this.config.SSHPort)) return;
			if (!(await this.pid(context))) {
				throw new MachinistError(
					`the VM ${this.config.MachineName} stopped while booting; its serial console's last lines: ${lastLines(await tailOfLog(this.file(context, 'serial'), 5))}`,
				);
			}

			if (Date.now() - reported >= 15_000) {
				reported = Date.now();
				this.log(context, `Still booting; console: ${(await tailOfLog(this.file(context, 'serial'), 1))[0] ?? '(nothing yet)'}`);
			}

			await new Promise(resolve => {
				setTimeout(resolve, 1000);
			});
		}

		throw new MachinistError(
			`the VM ${this.config.MachineName} did not answer SSH within ${Math.round(timeoutMs / 1000)} s; its serial console's last lines: ${lastLines(await tailOfLog(this.file(context, 'serial'), 5))} (full log: ${this.file(context, 'serial')})`,
		);
	}

	private async queryStatus(context: DriverContext): Promise<string> {
		return withQmp(this.file(context, 'socket'), async client => (await client.execute<{status: string}>('query-status')).status, {timeoutMs: 3000});
	}

	/** quit through QMP, then SIGKILL; each bounded. */
	private async forceStop(context: DriverContext): Promise<void> {
		const pid = await this.pid(context);
		if (pid === undefined) return;
		await withQmp(this.file(context, 'socket'), async client => client.execute('quit'), {timeoutMs: 2000}).catch(() => undefined);
		if (!(await waitForExit(pid, quitMs))) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// It exited between the check and the kill.
			}

			await waitForExit(pid, quitMs);
		}

		await this.cleanRuntime(context);
	}

	private async cleanRuntime(context: DriverContext): Promise<void> {
		await rm(this.file(context, 'pid'), {force: true});
		await removeSocket(this.file(context, 'socket'), context.machineDir);
	}

	async remove(context: DriverContext): Promise<void> {
		await this.forceStop(context);
		for (const name of ['disk', 'seed', 'serial'] as const) await rm(this.file(context, name), {force: true});
	}

	async start(context: DriverContext): Promise<void> {
		if (await this.pid(context)) throw new MachinistError(`Machine "${this.config.MachineName}" is already running.`);
		await access(this.file(context, 'disk')).catch(() => {
			throw new MachinistError(
				`machine ${this.config.MachineName} has no disk (its create failed before one was made): remove it with rm and create it again`,
			);
		});
		await this.boot(context, !this.config.AccelUsed);
	}

	/** ACPI power button, then quit, then kill: each bounded, so stop always ends. */
	async stop(context: DriverContext): Promise<void> {
		const pid = await this.pid(context);
		if (pid === undefined) return;
		const asked = await withQmp(this.file(context, 'socket'), async client => client.execute('system_powerdown'), {timeoutMs: 3000}).then(
			() => true,
			() => false,
		);
		if (asked && (await waitForExit(pid, powerdownMs(context)))) {
			await this.cleanRuntime(context);
			return;
		}

		this.log(context, 'The VM did not power down when asked; stopping it');
		await this.forceStop(context);
	}

	async restart(context: DriverContext): Promise<void> {
		await this.stop(context);
		await this.start(context);
	}

	async kill(context: DriverContext): Promise<void> {
		await this.forceStop(context);
	}

	async getState(context: DriverContext): Promise<MachineState> {
		if (!(await this.pid(context))) return 'Stopped';
		let status: string;
		try {
			status = await this.queryStatus(context);
		} catch {
			return 'Starting';
		}

		switch (status) {
			case 'running': {
				return 'Running';
			}

			case 'paused':
			case 'suspended': {
				return 'Paused';
			}

			case 'shutdown': {
				return 'Stopping';
			}

			case 'inmigrate':
			case 'prelaunch': {
				return 'Starting';
			}

			case 'internal-error':
			case 'guest-panicked':
			case 'io-error': {
				throw new MachinistError(
					`QEMU reports ${status} for ${this.config.MachineName}: run "kill" then "start" (the serial console is in ${path.join(this.config.StorePath, 'machines', this.config.MachineName, files.serial)})`,
				);
			}

			default: {
				return 'Error';
			}
		}
	}

	async getURL(context: DriverContext): Promise<string> {
		if ((await this.getState(context)) !== 'Running') throw new MachinistError('Host is not running');
		return `tcp://127.0.0.1:${this.config.EnginePort}`;
	}

	async getIP(): Promise<string> {
		return '127.0.0.1';
	}

	async sshDetails(): Promise<SshDetails> {
		return {host: '127.0.0.1', port: this.config.SSHPort, user: this.config.SSHUser, keyPath: this.config.SSHKeyPath};
	}

	/** Adds a forward to the running VM through the monitor, and keeps it for later starts. */
	async addPortForward(context: DriverContext, text: string): Promise<PortForward> {
		const forward = parseForward(text, 'the forward');
		if (this.forwards().some(existing => existing.host === forward.host)) {
			throw new MachinistError(`port ${forward.host} is already forwarded to ${this.config.MachineName}`);
		}

		await assertPortFree(forward.host, 'host port');
		if (await this.pid(context)) {
			const output = await withQmp(this.file(context, 'socket'), async (client: QmpClient) =>
				client.human(`hostfwd_add net0 tcp:127.0.0.1:${forward.host}-:${forward.guest}`),
			);
			if (output.trim() !== '') throw new MachinistError(`QEMU could not add the forward ${forward.host}:${forward.guest}: ${output.trim()}`);
		}

		this.config.Forwards = [...this.config.Forwards, `${forward.host}:${forward.guest}`];
		return forward;
	}

	consoleLog(context: DriverContext): string {
		return this.file(context, 'serial');
	}
}

function positive(flag: string, minimum: number) {
	return (value: unknown) => (Number(value) >= minimum ? undefined : `--${flag} ${String(value)} is too small: use at least ${minimum}`);
}

function portOrZero(flag: string) {
	return (value: unknown) =>
		Number(value) >= 0 && Number(value) <= 65_535 ? undefined : `--${flag} ${String(value)} is not a port: use 1-65535, or 0 for a free port`;
}

const accels: readonly Accel[] = ['auto', 'kvm', 'hvf', 'whpx', 'tcg'];

const options: readonly OptionSpec[] = [
	{
		name: 'qemu-cpu-count',
		type: 'int',
		envVar: 'QEMU_CPU_COUNT',
		default: 2,
		description: 'number of CPUs for the VM',
		validate: positive('qemu-cpu-count', 1),
	},
	{
		name: 'qemu-memory',
		type: 'int',
		envVar: 'QEMU_MEMORY_SIZE',
		default: 2048,
		description: 'size of memory for the VM (in MB)',
		validate: positive('qemu-memory', 256),
	},
	{
		name: 'qemu-disk-size',
		type: 'int',
		envVar: 'QEMU_DISK_SIZE',
		default: 20_000,
		description: 'size of the disk for the VM (in MB)',
		validate: positive('qemu-disk-size', 1024),
	},
	{
		name: 'qemu-boot-image',
		type: 'string',
		envVar: 'QEMU_BOOT_IMAGE',
		default: defaultImage.url,
		description: 'the cloud image to boot: a URL (downloaded once into the cache) or a local qcow2 or raw file',
	},
	{
		name: 'qemu-boot-image-checksum',
		type: 'string',
		envVar: 'QEMU_BOOT_IMAGE_CHECKSUM',
		description: "the image's checksum: sha256:HEX, sha512:HEX, or the URL of a sums file (default: Debian's SHA512SUMS for the default image)",
		advanced: true,
	},
	{
		name: 'qemu-accel',
		type: 'string',
		envVar: 'QEMU_ACCEL',
		default: 'auto',
		description: 'acceleration: auto (kvm, hvf or whpx where offered and working, else tcg), kvm, hvf, whpx or tcg',
		validate: value => (accels.includes(String(value) as Accel) ? undefined : `--qemu-accel "${String(value)}" is not one of ${accels.join(', ')}`),
	},
	{name: 'qemu-binary', type: 'string', envVar: 'QEMU_BINARY', description: `the QEMU program (default: ${defaultBinary()} on the PATH)`, advanced: true},
	{
		name: 'qemu-ssh-port',
		type: 'int',
		envVar: 'QEMU_SSH_PORT',
		default: 0,
		description: "port on 127.0.0.1 forwarded to the VM's SSH (0: a free port)",
		format: 'port',
		advanced: true,
		validate: portOrZero('qemu-ssh-port'),
	},
	{
		name: 'qemu-engine-port',
		type: 'int',
		envVar: 'QEMU_ENGINE_PORT',
		default: 0,
		description: "port on 127.0.0.1 forwarded to the VM's Docker daemon (0: a free port)",
		format: 'port',
		advanced: true,
		validate: portOrZero('qemu-engine-port'),
	},
	{
		name: 'qemu-forward',
		type: 'string-list',
		envVar: 'QEMU_FORWARD',
		description: 'forward a TCP port on 127.0.0.1 to the VM, HOST:GUEST (repeatable)',
		validate(value) {
			try {
				for (const item of value as string[]) parseForward(item, '--qemu-forward');
				return undefined;
			} catch (error) {
				return errorMessage(error);
			}
		},
	},
	{
		name: 'qemu-share-folder',
		type: 'string',
		envVar: 'QEMU_SHARE_FOLDER',
		description: 'folder shared into the VM with 9p, HOST[:GUEST] (default: your home directory, at the same path)',
		format: 'file',
	},
	{name: 'qemu-no-share', type: 'bool', envVar: 'QEMU_NO_SHARE', description: 'share no folder into the VM', advanced: true},
];

const definition: DriverDefinition = {
	name: 'qemu',
	description: 'A VM on this computer in QEMU: a Debian cloud image with Docker, reached on 127.0.0.1; your home directory is shared.',
	options,
	fromOptions(base, values) {
		const image = stringOption(values, 'qemu-boot-image');
		const checksum = stringOption(values, 'qemu-boot-image-checksum') || (image === defaultImage.url ? defaultImage.checksum : '');
		const shareText = stringOption(values, 'qemu-share-folder');
		const noShare = boolOption(values, 'qemu-no-share');
		if (noShare && shareText) throw new MachinistError('--qemu-share-folder and --qemu-no-share contradict each other: give one');
		let share = '';
		if (!noShare) {
			const [host = '', guest = ''] = (shareText || os.homedir()).split(':');
			const hostPath = path.resolve(host);
			if (guest && !guest.startsWith('/')) throw new MachinistError(`--qemu-share-folder "${shareText}": the guest path "${guest}" must be absolute`);
			share = `${hostPath}:${guest || hostPath}`;
		}

		return new QemuDriver({
			...base,
			IPAddress: '127.0.0.1',
			SSHUser: guestUser,
			SSHPort: intOption(values, 'qemu-ssh-port'),
			CPU: intOption(values, 'qemu-cpu-count'),
			Memory: intOption(values, 'qemu-memory'),
			DiskSize: intOption(values, 'qemu-disk-size'),
			BootImage: /^https?:\/\//i.test(image) ? image : path.resolve(image),
			BootImageChecksum: checksum,
			ImagePath: '',
			Accel: stringOption(values, 'qemu-accel') as Accel,
			AccelUsed: '',
			QemuBinary: stringOption(values, 'qemu-binary'),
			EnginePort: intOption(values, 'qemu-engine-port'),
			Forwards: listOption(values, 'qemu-forward'),
			ShareFolder: share,
		});
	},
	fromConfig(config) {
		return new QemuDriver({
			...config,
			CPU: numberField(config, 'CPU', 2),
			Memory: numberField(config, 'Memory', 2048),
			DiskSize: numberField(config, 'DiskSize', 20_000),
			BootImage: stringField(config, 'BootImage', defaultImage.url),
			BootImageChecksum: stringField(config, 'BootImageChecksum'),
			ImagePath: stringField(config, 'ImagePath'),
			Accel: stringField(config, 'Accel', 'auto') as Accel,
			AccelUsed: stringField(config, 'AccelUsed'),
			QemuBinary: stringField(config, 'QemuBinary'),
			EnginePort: numberField(config, 'EnginePort'),
			Forwards: listField(config, 'Forwards'),
			ShareFolder: stringField(config, 'ShareFolder'),
		});
	},
};

export default definition;
