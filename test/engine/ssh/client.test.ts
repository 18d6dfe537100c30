/**
 * The SSH client against ssh2's own Server on 127.0.0.1: a real SSH protocol peer whose exec
 * runs commands with a local `sh -c`, with SFTP backed by the local file system and a fake
 * `sudo` on its PATH. The real OpenSSH sshd is exercised in client-sshd.test.ts.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {closeSync, fchmodSync, fstatSync, openSync, readSync, statSync, writeSync} from 'node:fs';
import {chmod, readFile, stat, writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import ssh2, {type AuthenticationType, type Connection, type ParsedKey, type SFTPWrapper} from 'ssh2';
import {MachinistError} from '../../../source/engine/errors.js';
import type {ProgressEvent} from '../../../source/engine/progress.js';
import {
	HostKeyMismatchError,
	RemoteFileTooLargeError,
	type SshConnectOptions,
	SshClient,
	SshCommandError,
	SshConnectionError,
	SshTimeoutError,
	SshWaitTimeoutError,
	SudoError,
	generateKeyPair,
	hostKeyFingerprint,
	readPins,
	resetPin,
	shellQuote,
	waitForSsh,
	writeKeyPair,
} from '../../../source/engine/ssh/index.js';
import {temporaryDir} from '../../helpers/store.js';
import {deferred, waitFor} from '../../helpers/wait.js';
import {freePort} from '../../../source/engine/vm/ports.js';

const execFileAsync = promisify(execFile);
const {STATUS_CODE} = ssh2.utils.sftp;

type FakeServerOptions = {
	user: string;
	authorizedKey?: ParsedKey;
	password?: string;
	hostKey?: string;
	sftp?: boolean;
	sudo?: 'nopasswd' | 'password';
	port?: number;
};

type FakeServer = {
	port: number;
	hostKey: ParsedKey;
	/** Every command line exec'd, as received. */
	commands: string[];
	/** Every argument list the fake sudo got. */
	sudoLog(): Promise<string[]>;
	/** Local processes still running for exec requests. */
	running: Set<ChildProcess>;
	close(): Promise<void>;
};

/** A private key for the server, in OpenSSH format; ssh2's own ed25519 keygen is unsound (see keys.ts). */
async function newHostKey(): Promise<string> {
	return (await generateKeyPair('ed25519', 'fake-host')).privateKey;
}

async function startServer(t: ExecutionContext, options: FakeServerOptions): Promise<FakeServer> {
	const dir = await temporaryDir(t, 'machinist-fake-');
	const bin = path.join(dir, 'bin');
	const sudoLogFile = path.join(dir, 'sudo.log');
	await (await import('node:fs/promises')).mkdir(bin);
	const sudoScript =
		options.sudo === 'password'
			? '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n'
			: '#!/bin/sh\nprintf \'%s %s %s\\n\' "$1" "$2" "$3" >> "$FAKE_SUDO_LOG"\n[ "$1" = -n ] && shift\nexec "$@"\n';
	await writeFile(path.join(bin, 'sudo'), sudoScript, {mode: 0o755});

	const hostKeyText = options.hostKey ?? (await newHostKey());
	const hostKey = ssh2.utils.parseKey(hostKeyText) as ParsedKey;
	const commands: string[] = [];
	const running = new Set<ChildProcess>();
	const clients = new Set<Connection>();
	const methods: AuthenticationType[] = [...(options.authorizedKey ? ['publickey' as const] : []), ...(options.password ? ['password' as const] : [])];

	const server = new ssh2.Server({hostKeys: [hostKeyText]}, client => {
		clients.add(client);
		client.on('error', () => undefined);
		client.on('close', () => clients.delete(client));
		client.on('authentication', context => {
			if (context.username !== options.user) {
				context.reject(methods);
				return;
			}

			if (context.method === 'publickey' && options.authorizedKey) {
				const allowed = options.authorizedKey;
				if (!context.key.data.equals(allowed.getPublicSSH())) {
					context.reject(methods);
					return;
				}

				if (context.signature && context.blob && !allowed.verify(context.blob, context.signature, context.hashAlgo)) {
					context.reject(methods);
					return;
				}

				context.accept();
				return;
			}

			if (context.method === 'password' && options.password !== undefined && context.password === options.password) {
				context.accept();
				return;
			}

			context.reject(methods);
		});
		client.on('ready', () => {
			client.on('session', accept => {
				const session = accept();
				let child: ChildProcess | undefined;
				session.on('pty', accept => {
					accept?.();
				});
				session.on('signal', (accept, _reject, info) => {
					accept?.();
					if (child?.pid) process.kill(-child.pid, `SIG${info.name}` as NodeJS.Signals);
				});
				session.on('exec', (accept, _reject, info) => {
					commands.push(info.command);
					const channel = accept();
					// Its own process group, so a signal reaches `sleep` under `sh -c` too.
					child = spawn('/bin/sh', ['-c', info.command], {
						env: {PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_SUDO_LOG: sudoLogFile, HOME: dir},
						stdio: ['pipe', 'pipe', 'pipe'],
						detached: true,
					});
					const started = child;
					running.add(started);
					started.on('exit', () => running.delete(started));
					child.stdin!.on('error', () => undefined);
					channel.pipe(child.stdin!);
					child.stdout!.on('data', (chunk: Buffer) => channel.write(chunk));
					child.stderr!.on('data', (chunk: Buffer) => channel.stderr.write(chunk));
					child.on('close', (code, signal) => {
						try {
							if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
							else channel.exit(code ?? 0);
							channel.end();
						} catch {}
					});
					channel.on('close', () => {
						killGroup(started);
					});
				});
				session.on('sftp', (accept, reject) => {
					if (!options.sftp) {
						reject?.();
						return;
					}

					serveSftp(accept());
				});
			});
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			resolve();
		});
	});
	const {port} = server.address() as net.AddressInfo;

	let closed = false;
	const close = async (): Promise<void> => {
		if (closed) return;
		closed = true;
		for (const child of running) killGroup(child);
		for (const client of clients) client.end();
		await new Promise<void>(resolve =>
			server.close(() => {
				resolve();
			}),
		);
	};

	t.teardown(close);
	return {
		port,
		hostKey,
		commands,
		running,
		close,
		async sudoLog() {
			try {
				return (await readFile(sudoLogFile, 'utf8')).trim().split('\n');
			} catch {
				return [];
			}
		},
	};
}

function killGroup(child: ChildProcess): void {
	try {
		if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
	} catch {}
}

/** Just enough SFTP for open/write/read/fchmod/stat, on the local file system. */
function serveSftp(sftp: SFTPWrapper): void {
	const files = new Map<number, number>();
	let next = 0;
	const fdOf = (handle: Buffer): number | undefined => files.get(handle.readUInt32BE(0));
	const attributesOf = (info: {mode: number; uid: number; gid: number; size: number; atimeMs: number; mtimeMs: number}) => ({
		mode: info.mode,
		uid: info.uid,
		gid: info.gid,
		size: info.size,
		atime: Math.floor(info.atimeMs / 1000),
		mtime: Math.floor(info.mtimeMs / 1000),
	});
	const failure = (reqId: number, error: unknown): void => {
		const {code} = error as NodeJS.ErrnoException;
		sftp.status(reqId, code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : code === 'EACCES' ? STATUS_CODE.PERMISSION_DENIED : STATUS_CODE.FAILURE);
	};

	sftp.on('OPEN', (reqId: number, filename: string, flags: number, attrs: {mode?: number}) => {
		try {
			const fd = openSync(filename, ssh2.utils.sftp.flagsToString(flags) ?? 'r', attrs.mode ?? 0o644);
			const handle = Buffer.alloc(4);
			handle.writeUInt32BE(++next);
			files.set(next, fd);
			sftp.handle(reqId, handle);
		} catch (error) {
			failure(reqId, error);
		}
	});
	sftp.on('WRITE', (reqId: number, handle: Buffer, offset: number, data: Buffer) => {
		writeSync(fdOf(handle)!, data, 0, data.length, offset);
		sftp.status(reqId, STATUS_CODE.OK);
	});
	sftp.on('READ', (reqId: number, handle: Buffer, offset: number, length: number) => {
		const buffer = Buffer.alloc(length);
		const read = readSync(fdOf(handle)!, buffer, 0, length, offset);
		if (read === 0) sftp.status(reqId, STATUS_CODE.EOF);
		else sftp.data(reqId, buffer.subarray(0, read));
	});
	sftp.on('FSETSTAT', (reqId: number, handle: Buffer, attrs: {mode?: number}) => {
		if (attrs.mode !== undefined) fchmodSync(fdOf(handle)!, attrs.mode);
		sftp.status(reqId, STATUS_CODE.OK);
	});
	sftp.on('FSTAT', (reqId: number, handle: Buffer) => {
		sftp.attrs(reqId, attributesOf(fstatSync(fdOf(handle)!)));
	});
	sftp.on('STAT', (reqId: number, filename: string) => {
		try {
			sftp.attrs(reqId, attributesOf(statSync(filename)));
		} catch (error) {
			failure(reqId, error);
		}
	});
	sftp.on('CLOSE', (reqId: number, handle: Buffer) => {
		const fd = fdOf(handle);
		if (fd !== undefined) closeSync(fd);
		files.delete(handle.readUInt32BE(0));
		sftp.status(reqId, STATUS_CODE.OK);
	});
	for (const other of ['OPENDIR', 'READDIR', 'LSTAT', 'SETSTAT', 'REMOVE', 'RMDIR', 'REALPATH', 'READLINK', 'SYMLINK', 'MKDIR', 'RENAME']) {
		sftp.on(other, (reqId: number) => {
			sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED);
		});
	}
}

type Identity = {dir: string; privateKeyPath: string; key: ParsedKey; knownHostsFile: string};

async function identity(t: ExecutionContext): Promise<Identity> {
	const dir = await temporaryDir(t);
	const pair = await generateKeyPair('ed25519', 'machinist-test');
	const {privateKeyPath} = await writeKeyPair(dir, pair);
	return {dir, privateKeyPath, key: ssh2.utils.parseKey(pair.privateKey) as ParsedKey, knownHostsFile: path.join(dir, 'known_hosts')};
}

function options(id: Identity, port: number, extra: Partial<SshConnectOptions> = {}): SshConnectOptions {
	return {host: '127.0.0.1', port, user: 'alice', privateKeyPath: id.privateKeyPath, knownHostsFile: id.knownHostsFile, hostLabel: 'dev', ...extra};
}

async function connected(t: ExecutionContext, serverOptions: Partial<FakeServerOptions> = {}): Promise<{client: SshClient; server: FakeServer; id: Identity}> {
	const id = await identity(t);
	const server = await startServer(t, {user: 'alice', authorizedKey: id.key, sftp: true, sudo: 'nopasswd', ...serverOptions});
	const client = await SshClient.connect(options(id, server.port));
	t.teardown(() => {
		client.close();
	});
	return {client, server, id};
}

/** A TCP relay whose connections can be cut (as when the host dies) or frozen (as when it hangs). */
async function startRelay(t: ExecutionContext, targetPort: number): Promise<{port: number; cut(): void; freeze(): void}> {
	const pairs = new Set<[net.Socket, net.Socket]>();
	const relay = net.createServer(downstream => {
		const upstream = net.connect(targetPort, '127.0.0.1');
		downstream.on('error', () => undefined);
		upstream.on('error', () => undefined);
		downstream.pipe(upstream);
		upstream.pipe(downstream);
		pairs.add([downstream, upstream]);
	});
	await new Promise<void>(resolve => relay.listen(0, '127.0.0.1', resolve));
	t.teardown(() => {
		for (const [a, b] of pairs) {
			a.destroy();
			b.destroy();
		}

		relay.close();
	});
	return {
		port: (relay.address() as net.AddressInfo).port,
		cut() {
			for (const [a, b] of pairs) {
				a.resetAndDestroy();
				b.resetAndDestroy();
			}
		},
		freeze() {
			for (const [a, b] of pairs) {
				a.unpipe(b);
				b.unpipe(a);
				a.pause();
				b.pause();
			}
		},
	};
}

test('exec returns exit codes, stdout and stderr, and streams both as they come', async t => {
	const {client} = await connected(t);
	t.deepEqual(await client.exec('exit 0'), {code: 0, signal: null, stdout: '', stderr: ''});
	t.deepEqual(await client.exec('echo out; echo err >&2; exit 3'), {code: 3, signal: null, stdout: 'out\n', stderr: 'err\n'});

	// Streamed: the first line arrives long before the command ends.
	const out: string[] = [];
	const err: string[] = [];
	let firstOutput = 0;
	const streamed = await client.exec('echo one; sleep 0.5; echo two >&2; sleep 0.5; echo three', {
		onStdout(chunk) {
			firstOutput ||= Date.now();
			out.push(chunk.toString());
		},
		onStderr: chunk => err.push(chunk.toString()),
	});
	t.true(Date.now() - firstOutput >= 500, `the first line came ${Date.now() - firstOutput} ms before the end`);
	t.is(out.join(''), 'one\nthree\n');
	t.is(err.join(''), 'two\n');
	t.is(streamed.stdout, 'one\nthree\n');
	t.is(streamed.stderr, 'two\n');

	const input = randomBytes(256 * 1024);
	const echoed = await client.exec(String.raw`od -An -v -tx1 | tr -d " \n"`, {stdin: input});
	t.is(echoed.stdout, input.toString('hex'));
	// stdin is closed at once when there is none, so `cat` ends.
	t.is((await client.exec('cat; echo done')).stdout, 'done\n');
	t.is((await client.exec('kill -TERM $$')).signal, 'TERM');
});

test('run returns stdout and throws with the command, exit code and last stderr lines', async t => {
	const {client} = await connected(t);
	t.is(await client.run(`printf %s ${shellQuote('hi there')}`), 'hi there');
	const error = await t.throwsAsync(client.run('echo 1 >&2; echo 2 >&2; echo 3 >&2; echo 4 >&2; exit 42'), {instanceOf: SshCommandError});
	t.is(error.message, 'Command "echo 1 >&2; echo 2 >&2; echo 3 >&2; echo 4 >&2; exit 42" on dev failed with exit code 42: 2 | 3 | 4');
	t.is(error.code, 42);
	t.is(error.stderr, '1\n2\n3\n4\n');
});

test('the host key is pinned on first connect and a changed key is refused with both fingerprints', async t => {
	const id = await identity(t);
	const first = await startServer(t, {user: 'alice', authorizedKey: id.key});
	t.deepEqual(await readPins(id.knownHostsFile, '127.0.0.1', first.port), []);
	const client = await SshClient.connect(options(id, first.port));
	client.close();
	const pins = await readPins(id.knownHostsFile, '127.0.0.1', first.port);
	t.deepEqual(
		pins.map(pin => pin.fingerprint),
		[hostKeyFingerprint(first.hostKey.getPublicSSH())],
	);
	t.is(await readFile(id.knownHostsFile, 'utf8'), `[127.0.0.1]:${first.port} ssh-ed25519 ${first.hostKey.getPublicSSH().toString('base64')}\n`);

	// Same key again: fine.
	(await SshClient.connect(options(id, first.port))).close();

	// The "machine" is rebuilt with a new host key on the same address.
	await first.close();
	const rebuilt = await startServer(t, {user: 'alice', authorizedKey: id.key, port: first.port});
	const started = Date.now();
	const events: ProgressEvent[] = [];
	const error = await t.throwsAsync(waitForSsh(options(id, first.port), {deadlineMs: 30_000, progress: event => events.push(event)}), {
		instanceOf: HostKeyMismatchError,
	});
	t.deepEqual(
		events.filter(event => event.type === 'log'),
		[],
		'a mismatch was retried',
	);
	t.true(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
	t.is(
		error.message,
		`Host key of "dev" (127.0.0.1:${first.port}) changed: pinned ${pins[0]!.fingerprint}, now ${hostKeyFingerprint(rebuilt.hostKey.getPublicSSH())}. If the host was rebuilt, run "machinist ssh --reset-host-key dev"; otherwise someone may be intercepting the connection.`,
	);
	t.deepEqual(rebuilt.commands, [], 'a command ran on an unverified host');

	t.is(await resetPin(id.knownHostsFile, '127.0.0.1', first.port), 1);
	(await SshClient.connect(options(id, first.port))).close();
	t.deepEqual(
		(await readPins(id.knownHostsFile, '127.0.0.1', first.port)).map(pin => pin.fingerprint),
		[hostKeyFingerprint(rebuilt.hostKey.getPublicSSH())],
	);
});

test('a key the host does not accept fails at once, not at the deadline', async t => {
	const id = await identity(t);
	const other = await identity(t);
	const server = await startServer(t, {user: 'alice', authorizedKey: other.key});
	const started = Date.now();
	const events: ProgressEvent[] = [];
	const error = await t.throwsAsync(waitForSsh(options(id, server.port), {deadlineMs: 30_000, progress: event => events.push(event)}), {
		instanceOf: SshConnectionError,
	});
	const took = Date.now() - started;
	t.log(`auth failure reported after ${took} ms`);
	// No retry (each would report progress), and far from the deadline even on a loaded machine.
	t.deepEqual(
		events.filter(event => event.type === 'log'),
		[],
	);
	t.true(took < 10_000);
	t.is(error.kind, 'auth');
	t.is(
		error.message,
		`Permission denied (publickey) for alice@127.0.0.1:${server.port}: the key ${id.privateKeyPath} is not authorized on the host (add ${id.privateKeyPath}.pub to ~alice/.ssh/authorized_keys there)`,
	);

	const wrongUser = await t.throwsAsync(SshClient.connect(options(other, server.port, {user: 'bob'})), {instanceOf: SshConnectionError});
	t.regex(wrongUser.message, /^Permission denied \(publickey\) for bob@127\.0\.0\.1:\d+: /);
});

test('password and agent authentication', async t => {
	const id = await identity(t);
	const server = await startServer(t, {user: 'alice', authorizedKey: id.key, password: 'correct horse'});
	const byPassword = await SshClient.connect({...options(id, server.port), privateKeyPath: undefined, password: 'correct horse'});
	t.is(await byPassword.run('echo ok'), 'ok\n');
	byPassword.close();
	const refused = await t.throwsAsync(SshClient.connect({...options(id, server.port), privateKeyPath: undefined, password: 'wrong'}), {
		instanceOf: SshConnectionError,
	});
	t.is(refused.message, `Permission denied (publickey,password) for alice@127.0.0.1:${server.port}: the password was refused`);

	// A real ssh-agent holding the key.
	const socket = path.join(id.dir, 'agent.sock');
	const agent = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'});
	t.teardown(() => {
		agent.kill('SIGKILL');
	});
	await waitFor('ssh-agent listening', async () =>
		stat(socket).then(
			() => true,
			() => false,
		),
	);
	await execFileAsync('ssh-add', [id.privateKeyPath], {env: {...process.env, SSH_AUTH_SOCK: socket}});
	const byAgent = await SshClient.connect({...options(id, server.port), privateKeyPath: undefined, agent: socket});
	t.is(await byAgent.run('echo agent'), 'agent\n');
	byAgent.close();

	const noAgent = await t.throwsAsync(SshClient.connect({...options(id, server.port), privateKeyPath: undefined, agent: path.join(id.dir, 'missing.sock')}), {
		instanceOf: SshConnectionError,
	});
	t.regex(noAgent.message, /the SSH agent at .*missing\.sock could not be used \(Failed to connect to agent\)$/);

	// A key given as data, not as a file.
	const inline = await SshClient.connect({...options(id, server.port), privateKeyPath: undefined, privateKey: await readFile(id.privateKeyPath)});
	t.is(await inline.run('echo inline'), 'inline\n');
	inline.close();
	const stranger = await generateKeyPair('ed25519', 'stranger');
	await t.throwsAsync(SshClient.connect({...options(id, server.port), privateKeyPath: undefined, privateKey: stranger.privateKey}), {
		instanceOf: SshConnectionError,
		message: `Permission denied (publickey,password) for alice@127.0.0.1:${server.port}: the given key is not authorized on the host`,
	});

	await t.throwsAsync(SshClient.connect({...options(id, server.port), privateKeyPath: undefined}), {
		instanceOf: MachinistError,
		message: /^No SSH credentials for dev \(alice@127\.0\.0\.1:\d+\): give a private key/,
	});
});

test('a key file with loose permissions is refused before connecting', async t => {
	const id = await identity(t);
	await chmod(id.privateKeyPath, 0o644);
	await t.throwsAsync(waitForSsh(options(id, await freePort()), {deadlineMs: 10_000}), {message: /^permissions 0644 for '.*id_rsa' are too open/});
});

test('nothing listening: a clear error within the deadline, with progress along the way', async t => {
	const id = await identity(t);
	const port = await freePort();
	const events: ProgressEvent[] = [];
	const started = Date.now();
	const error = await t.throwsAsync(waitForSsh(options(id, port), {deadlineMs: 2000, progress: event => events.push(event)}), {
		instanceOf: SshWaitTimeoutError,
	});
	const took = Date.now() - started;
	t.log(`gave up after ${took} ms: ${error.message}`);
	// The upper bound allows for timers running late on a loaded machine (2 CPUs shared with other suites).
	t.true(took >= 1800 && took < 8000, `took ${took} ms`);
	t.regex(
		error.message,
		new RegExp(
			String.raw`^SSH on dev \(alice@127\.0\.0\.1:${port}\) was not available within 2 s \(\d+ attempts\); last error: connection refused\. Check that the machine booted and runs sshd$`,
		),
	);
	t.is(error.lastError.kind, 'refused');
	t.deepEqual(events, [
		{type: 'step', message: 'Waiting for SSH to be available...'},
		{type: 'log', machine: 'dev', message: 'SSH not ready yet: connection refused; still trying'},
	]);

	const once = await t.throwsAsync(SshClient.connect(options(id, port)), {instanceOf: SshConnectionError});
	t.is(once.message, `SSH to dev (alice@127.0.0.1:${port}) failed: connection refused; check that the machine is running and sshd listens on port ${port}`);
});

test('waitForSsh keeps trying until sshd comes up, then hands back the connection', async t => {
	const id = await identity(t);
	const port = await freePort();
	// sshd comes up once the first attempt has failed and waitForSsh has said it keeps trying.
	const retrying = deferred();
	const serving = retrying.promise.then(async () => startServer(t, {user: 'alice', authorizedKey: id.key, port}));
	const started = Date.now();
	const client = await waitForSsh(options(id, port), {
		deadlineMs: 10_000,
		progress(event) {
			if (event.type === 'log') retrying.resolve();
		},
	});
	await serving;
	t.teardown(() => {
		client.close();
	});
	t.log(`connected after ${Date.now() - started} ms`);
	t.is(await client.run('echo up'), 'up\n');
});

test('a port that accepts TCP but never speaks SSH times out at readyTimeoutMs', async t => {
	const id = await identity(t);
	let connections = 0;
	const connected = deferred();
	const silent = net.createServer(() => {
		connections++;
		if (connections === 2) connected.resolve();
	});
	await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
	t.teardown(() => silent.close());
	const {port} = silent.address() as net.AddressInfo;
	const started = Date.now();
	const error = await t.throwsAsync(SshClient.connect(options(id, port, {readyTimeoutMs: 500})), {instanceOf: SshConnectionError});
	t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
	t.is(
		error.message,
		`SSH to dev (alice@127.0.0.1:${port}) failed: no SSH handshake within 0.5 s; check that port ${port} is sshd and that the machine is not overloaded`,
	);

	// Aborted while it waits for the handshake (the second connection the port has seen).
	const controller = new AbortController();
	void connected.promise.then(() => {
		controller.abort();
	});
	await t.throwsAsync(SshClient.connect(options(id, port, {signal: controller.signal})), {any: true, name: 'AbortError'});
});

test('the server dying in the middle of a command is an error, not a hang', async t => {
	const id = await identity(t);
	const server = await startServer(t, {user: 'alice', authorizedKey: id.key});
	const relay = await startRelay(t, server.port);
	const client = await SshClient.connect(options(id, relay.port));
	t.teardown(() => {
		client.close();
	});
	const runs = deferred();
	const running = client.exec('echo started; sleep 30', {
		onStdout() {
			runs.resolve();
		},
	});
	await runs.promise;
	const started = Date.now();
	relay.cut();
	const error = await t.throwsAsync(running, {instanceOf: SshConnectionError});
	t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
	t.is(error.kind, 'lost');
	t.is(
		error.message,
		`Lost the SSH connection to dev (alice@127.0.0.1:${relay.port}) while running "echo started; sleep 30": connection reset by peer; check whether the machine stopped or rebooted`,
	);
	t.false(client.connected);
	await t.throwsAsync(client.exec('true'), {instanceOf: SshConnectionError, message: /^Lost the SSH connection to dev .* while running "true"/});

	const closed = await connected(t);
	closed.client.close();
	await t.throwsAsync(closed.client.run('true'), {
		instanceOf: SshConnectionError,
		message: /^The SSH connection to dev \(alice@127\.0\.0\.1:\d+\) was closed before running "true"; open a new one$/,
	});
});

test('a host that stops answering is noticed by keepalives', async t => {
	const id = await identity(t);
	const server = await startServer(t, {user: 'alice', authorizedKey: id.key});
	const relay = await startRelay(t, server.port);
	const client = await SshClient.connect(options(id, relay.port, {keepaliveIntervalMs: 200, keepaliveCountMax: 2}));
	t.teardown(() => {
		client.close();
	});
	// Frozen once the command runs (its first output has come back through the relay).
	const runs = deferred();
	const running = client.exec('echo started; sleep 30', {
		onStdout() {
			runs.resolve();
		},
	});
	await runs.promise;
	relay.freeze();
	const started = Date.now();
	const error = await t.throwsAsync(running, {instanceOf: SshConnectionError});
	t.log(`keepalive failure after ${Date.now() - started} ms`);
	t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
	t.regex(error.message, /^ssh 127\.0\.0\.1:\d+: no answer for 0\.6 s during "echo started; sleep 30" on dev;/);
});

test('an AbortSignal stops a long command, and so does timeoutMs', async t => {
	const {client, server} = await connected(t);
	const controller = new AbortController();
	let started = 0;
	// Aborted while the command runs: once its first output has arrived.
	const stopping = client.exec('echo started; sleep 30', {
		signal: controller.signal,
		onStdout() {
			started ||= Date.now();
			controller.abort();
		},
	});
	await t.throwsAsync(stopping, {any: true, name: 'AbortError'});
	t.true(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
	// The KILL signal request reached the remote process.
	await waitFor('the remote command to end', () => server.running.size === 0).catch(() => undefined);
	t.is(server.running.size, 0);

	const timedOut = await t.throwsAsync(client.exec('sleep 30', {timeoutMs: 300}), {instanceOf: SshTimeoutError});
	t.is(timedOut.message, `Command "sleep 30" on dev (alice@127.0.0.1:${server.port}) did not finish within 0.3 s; it was stopped`);
	// The connection is still usable afterwards.
	t.is(await client.run('echo still here'), 'still here\n');
	await t.throwsAsync(client.exec('true', {signal: AbortSignal.abort()}), {any: true, name: 'AbortError'});
});

test('upload as the login user over SFTP sets the mode before writing, binary-safe', async t => {
	const {client, server, id} = await connected(t);
	const target = path.join(id.dir, 'upload.bin');
	const data = randomBytes(200 * 1024);
	await client.upload(target, data, {mode: 0o640});
	t.deepEqual(await readFile(target), data);
	t.is((await stat(target)).mode & 0o777, 0o640);

	// An existing file with a looser mode is tightened, not just rewritten.
	const secret = path.join(id.dir, 'key.pem');
	await writeFile(secret, 'old contents that are longer than the new ones', {mode: 0o644});
	await client.upload(secret, 'new', {mode: 0o600});
	t.is(await readFile(secret, 'utf8'), 'new');
	t.is((await stat(secret)).mode & 0o777, 0o600);
	t.deepEqual(server.commands, [], 'SFTP uploads run no command');

	t.deepEqual(await client.download(target), data);
	await t.throwsAsync(client.download(target, {maxBytes: 1000}), {
		instanceOf: RemoteFileTooLargeError,
		message: /upload\.bin on dev is larger than 1000 bytes/,
	});
	await t.throwsAsync(client.upload(path.join(id.dir, 'no/such/dir/x'), 'x', {mode: 0o600}), {
		message: /^Uploading .*no\/such\/dir\/x on dev failed: No such file( or directory)?; check that the directory exists/,
	});
	await t.throwsAsync(client.upload(target, 'x', {mode: 0o1_0000}), {instanceOf: MachinistError, message: /is not a file mode/});
});

test('without SFTP, uploads go through cat on stdin, to hostile paths too', async t => {
	const {client, server, id} = await connected(t, {sftp: false});
	const target = path.join(id.dir, 'it\'s a "file" $(touch pwned) `x`;.pem');
	await client.upload(target, 'PEM DATA\n', {mode: 0o600});
	t.is(await readFile(target, 'utf8'), 'PEM DATA\n');
	t.is((await stat(target)).mode & 0o777, 0o600);
	t.false(
		await stat(path.join(id.dir, 'pwned')).then(
			() => true,
			() => false,
		),
	);
	t.false(server.commands.some(command => command.includes('PEM DATA')));
	t.is((await client.download(target)).toString(), 'PEM DATA\n');

	// Replacing a file keeps no temporary copy behind.
	await client.upload(target, 'second', {mode: 0o644});
	t.is((await stat(target)).mode & 0o777, 0o644);
	const {readdir} = await import('node:fs/promises');
	t.false((await readdir(id.dir)).some(name => name.includes('.pem.')));
	await t.throwsAsync(client.upload(id.dir, 'x', {mode: 0o600}), {
		instanceOf: SshCommandError,
		message: /^Uploading .* on dev failed with exit code 1: .* is a directory$/,
	});
});

test('sudo wraps commands in sudo -n sh -c for a non-root user, content on stdin only', async t => {
	const {client, server, id} = await connected(t);
	t.is(await client.sudo('echo "$1-$2" | tr a-z A-Z'), '-\n');
	const target = path.join(id.dir, 'server-key.pem');
	const secret = '-----BEGIN PRIVATE KEY-----\nsecret material\n-----END PRIVATE KEY-----\n';
	await client.upload(target, secret, {mode: 0o600, sudo: true});
	t.is(await readFile(target, 'utf8'), secret);
	t.is((await stat(target)).mode & 0o777, 0o600);
	t.is((await client.download(target, {sudo: true})).toString(), secret);

	t.true(server.commands.every(command => command.startsWith("sudo -n sh -c '")));
	t.false(
		server.commands.some(command => command.includes('secret material')),
		'the secret was on a command line',
	);
	t.true((await server.sudoLog()).every(line => line === '-n sh -c'));

	await t.throwsAsync(client.download(path.join(id.dir, 'missing'), {sudo: true}), {
		instanceOf: SshCommandError,
		message: /^Downloading .*missing on dev failed with exit code 1: cat: .*missing: No such file or directory$/,
	});
	const failed = await t.throwsAsync(client.sudo('echo nope >&2; exit 5'), {instanceOf: SshCommandError});
	t.is(failed.message, 'Command "echo nope >&2; exit 5" on dev failed with exit code 5: nope');
});

test('sudo that wants a password is reported with the fix', async t => {
	const {client, id} = await connected(t, {sudo: 'password'});
	const expected = 'sudo on dev needs a password for alice: give alice passwordless sudo (NOPASSWD) or use root';
	await t.throwsAsync(client.sudo('true'), {instanceOf: SudoError, message: expected});
	await t.throwsAsync(client.upload(path.join(id.dir, 'x'), 'x', {mode: 0o600, sudo: true}), {instanceOf: SudoError, message: expected});
	await t.throwsAsync(client.download('/etc/hostname', {sudo: true}), {instanceOf: SudoError, message: expected});
});

test('root runs privileged commands with plain sh -c', async t => {
	const id = await identity(t);
	const server = await startServer(t, {user: 'root', authorizedKey: id.key});
	const client = await SshClient.connect(options(id, server.port, {user: 'root'}));
	t.teardown(() => {
		client.close();
	});
	t.true(client.isRoot);
	t.is(await client.sudo('echo "a b"'), 'a b\n');
	t.deepEqual(server.commands, [`sh -c ${shellQuote('echo "a b"')}`]);
	t.deepEqual(await server.sudoLog(), []);
});
