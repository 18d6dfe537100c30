/** The SSH client against the real OpenSSH sshd on 127.0.0.1 (test/helpers/sshd.ts). */
import {execFile} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';
import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {type ExecutionContext} from 'ava';
import {
	HostKeyMismatchError,
	type KeyPair,
	type SshConnectOptions,
	SshClient,
	SshConnectionError,
	generateKeyPair,
	hostKeyFingerprint,
	readPins,
	resetPin,
	shellQuote,
	sshHostKeyOptions,
	waitForSsh,
	writeKeyPair,
} from '../../../source/engine/ssh/index.js';
import {realTest} from '../../helpers/real.js';
import {type Sshd, sshdAvailable, startSshd} from '../../helpers/sshd.js';
import {temporaryDir} from '../../helpers/store.js';
import {deferred, waitFor} from '../../helpers/wait.js';

const execFileAsync = promisify(execFile);
const withSshd = realTest(sshdAvailable());

// RSA-4096 generation takes a second or two; one key serves the whole file, made by its first test.
let clientKeyPromise: Promise<KeyPair> | undefined;
async function clientKey(): Promise<KeyPair> {
	clientKeyPromise ??= generateKeyPair('rsa', 'machinist-sshd-test');
	return clientKeyPromise;
}

type Setup = {sshd: Sshd; connect: SshConnectOptions; keyDir: string};

async function setup(t: ExecutionContext): Promise<Setup> {
	const pair = await clientKey();
	const keyDir = await temporaryDir(t);
	const {privateKeyPath} = await writeKeyPair(keyDir, pair);
	const sshd = await startSshd(t, {authorizedKeys: [pair.publicKey]});
	return {
		sshd,
		keyDir,
		connect: {host: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath, knownHostsFile: path.join(keyDir, 'known_hosts'), hostLabel: 'real'},
	};
}

/** Pids whose command line (words separated by NUL) contains `text`. */
function processesWith(text: string): number[] {
	return readdirSync('/proc')
		.filter(entry => /^\d+$/.test(entry) && Number(entry) !== process.pid)
		.filter(entry => {
			try {
				return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text);
			} catch {
				return false;
			}
		})
		.map(Number);
}

async function systemSsh(s: Setup, command: string): Promise<{code: number; stdout: string; stderr: string}> {
	const args = [
		'-F',
		'/dev/null',
		...sshHostKeyOptions(s.connect.knownHostsFile),
		'-o',
		'BatchMode=yes',
		'-o',
		'IdentitiesOnly=yes',
		'-o',
		'ConnectTimeout=10',
		'-i',
		s.connect.privateKeyPath!,
		'-p',
		String(s.connect.port),
		`root@${s.connect.host}`,
		command,
	];
	return new Promise(resolve => {
		execFile('ssh', args, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

withSshd('real sshd: our RSA key logs in, commands run with exit codes and streams, and the pin works for the ssh binary', async t => {
	const s = await setup(t);
	const startedAt = Date.now();
	const client = await waitForSsh(s.connect, {deadlineMs: 15_000});
	t.teardown(() => {
		client.close();
	});
	t.log(`connected and ran exit 0 in ${Date.now() - startedAt} ms`);

	t.deepEqual(await client.exec('echo out; echo err >&2; exit 7'), {code: 7, signal: null, stdout: 'out\n', stderr: 'err\n'});
	const chunks: string[] = [];
	await client.exec('for i in 1 2 3; do echo $i; sleep 0.1; done', {onStdout: chunk => chunks.push(chunk.toString())});
	t.is(chunks.join(''), '1\n2\n3\n');
	t.true(chunks.length >= 2, 'output arrived in one piece, not streamed');
	t.is(await client.run(`printf %s ${shellQuote('$(id) `x` \'q\' "d"\n')}`), '$(id) `x` \'q\' "d"\n');
	// With a terminal, stderr arrives on stdout.
	const withPty = await client.exec('echo err >&2; test -t 0', {pty: true});
	t.is(withPty.code, 0);
	t.is(withPty.stdout.replaceAll('\r', ''), 'err\n');

	const [type, base64] = s.sshd.hostKeyLine.split(' ');
	t.is(await readFile(s.connect.knownHostsFile, 'utf8'), `[127.0.0.1]:${s.sshd.port} ${type} ${base64}\n`);
	const {stdout: keygen} = await execFileAsync('ssh-keygen', ['-l', '-f', s.connect.knownHostsFile]);
	t.is(keygen.split(' ')[1], (await readPins(s.connect.knownHostsFile, '127.0.0.1', s.sshd.port))[0]?.fingerprint);
	const ssh = await systemSsh(s, 'echo from-ssh');
	t.is(ssh.stdout, 'from-ssh\n', ssh.stderr);
});

withSshd('real sshd: uploads as root go through the privileged path with content on stdin; SFTP and downloads work', async t => {
	const s = await setup(t);
	const client = await SshClient.connect(s.connect);
	t.teardown(() => {
		client.close();
	});
	const dockerDir = path.join(s.sshd.dir, 'etc docker');
	await client.sudo(`mkdir -p ${shellQuote(dockerDir)}`);
	const keyPath = path.join(dockerDir, 'server-key.pem');
	const pem = `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(64)}\n'; rm -rf / #\n-----END RSA PRIVATE KEY-----\n`;
	await client.upload(keyPath, pem, {mode: 0o600, sudo: true});
	t.is(await readFile(keyPath, 'utf8'), pem);
	const info = await stat(keyPath);
	t.is(info.mode & 0o777, 0o600);
	t.is(info.uid, 0);
	t.is((await client.download(keyPath, {sudo: true})).toString(), pem);

	const viaSftp = path.join(s.sshd.dir, 'sftp.txt');
	await client.upload(viaSftp, 'over sftp\n', {mode: 0o644});
	t.is(await readFile(viaSftp, 'utf8'), 'over sftp\n');
	t.is((await stat(viaSftp)).mode & 0o777, 0o644);
	t.is((await client.download(viaSftp)).toString(), 'over sftp\n');
	t.regex(s.sshd.logs(), /subsystem 'sftp' for root/);
});

withSshd('real sshd: a changed host key is refused by us and by the ssh binary, until the pin is reset', async t => {
	const s = await setup(t);
	(await SshClient.connect(s.connect)).close();
	const pinned = (await readPins(s.connect.knownHostsFile, '127.0.0.1', s.sshd.port))[0]!.fingerprint;

	await s.sshd.stop();
	const pair = await clientKey();
	const rebuilt = await startSshd(t, {authorizedKeys: [pair.publicKey], port: s.sshd.port});
	const now = hostKeyFingerprint(Buffer.from(rebuilt.hostKeyLine.split(' ')[1]!, 'base64'));
	const error = await t.throwsAsync(waitForSsh(s.connect, {deadlineMs: 15_000}), {instanceOf: HostKeyMismatchError});
	t.is(
		error.message,
		`Host key of "real" (127.0.0.1:${s.sshd.port}) changed: pinned ${pinned}, now ${now}. If the host was rebuilt, run "machinist ssh --reset-host-key real"; otherwise someone may be intercepting the connection.`,
	);

	const ssh = await systemSsh(s, 'echo should-not-run');
	t.is(ssh.code, 255);
	t.is(ssh.stdout, '');
	t.regex(ssh.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);

	t.is(await resetPin(s.connect.knownHostsFile, '127.0.0.1', s.sshd.port), 1);
	const client = await SshClient.connect(s.connect);
	t.is(await client.run('echo again'), 'again\n');
	client.close();
	t.is((await readPins(s.connect.knownHostsFile, '127.0.0.1', s.sshd.port))[0]?.fingerprint, now);
});

withSshd('real sshd: a key the host does not know fails at once with the key named', async t => {
	const s = await setup(t);
	const strangerDir = await temporaryDir(t);
	const {privateKeyPath} = await writeKeyPair(strangerDir, await generateKeyPair('ed25519', 'stranger'));
	const startedAt = Date.now();
	const retries: string[] = [];
	const error = await t.throwsAsync(
		waitForSsh(
			{...s.connect, privateKeyPath},
			{
				deadlineMs: 30_000,
				progress(event) {
					if (event.type === 'log') retries.push(event.message);
				},
			},
		),
		{instanceOf: SshConnectionError},
	);
	const took = Date.now() - startedAt;
	t.log(`refused after ${took} ms`);
	t.deepEqual(retries, []);
	t.true(took < 10_000, `took ${took} ms`);
	t.is(
		error.message,
		`Permission denied (publickey) for root@127.0.0.1:${s.sshd.port}: the key ${privateKeyPath} is not authorized on the host (add ${privateKeyPath}.pub to ~root/.ssh/authorized_keys there)`,
	);
});

withSshd('real sshd: sshd dying in the middle of a command is a clear error, not a hang', async t => {
	const s = await setup(t);
	const client = await SshClient.connect(s.connect);
	t.teardown(() => {
		client.close();
	});
	const runs = deferred();
	const running = client.exec('echo started; sleep 30.31', {
		onStdout() {
			runs.resolve();
		},
	});
	await runs.promise;
	const killedAt = Date.now();
	// sshd, its per-connection processes and the command: as when the host dies.
	void s.sshd.stop();
	const error = await t.throwsAsync(running, {instanceOf: SshConnectionError});
	t.log(`reported ${Date.now() - killedAt} ms after the kill: ${error.message}`);
	t.true(Date.now() - killedAt < 5000);
	t.is(error.kind, 'lost');
	t.regex(
		error.message,
		new RegExp(
			String.raw`^Lost the SSH connection to real \(root@127\.0\.0\.1:${s.sshd.port}\) while running "echo started; sleep 30\.31": the server closed the connection;`,
		),
	);
});

withSshd('real sshd: an AbortSignal stops a long command at once; the remote side ends it as far as sshd allows', async t => {
	const s = await setup(t);
	const client = await SshClient.connect(s.connect);
	t.teardown(() => {
		client.close();
	});
	// The client's teardown ends the session first; a command left running is then no longer
	// under sshd, so the test ends what it started itself.
	const killLeftovers = (): void => {
		for (const pid of processesWith('sleep\u000030.29')) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {}
		}
	};

	t.teardown(killLeftovers);
	const silent = new AbortController();
	const sleeping = client.exec('sleep 30.29', {signal: silent.signal});
	await waitFor('the remote sleep to start', () => processesWith('sleep\u000030.29').length > 0);
	t.is(processesWith('sleep\u000030.29').length, 1, 'the command never started');
	const abortedAt = Date.now();
	silent.abort();
	await t.throwsAsync(sleeping, {any: true, name: 'AbortError'});
	t.true(Date.now() - abortedAt < 3000, `took ${Date.now() - abortedAt} ms`);
	// OpenSSH refuses "signal" requests in sessions that run as root ("session signalling
	// requires privilege separation"), so a silent command there runs on; sshd kills it with the
	// rest of the session when the connection ends (teardown).

	// A command that writes gets SIGPIPE once sshd has closed the channel's pipes.
	const chatty = new AbortController();
	const ticking = client.exec('while :; do echo tick.4242; sleep 0.05; done', {signal: chatty.signal});
	await waitFor('the remote loop to start', () => processesWith('tick.4242').length > 0);
	t.true(processesWith('tick.4242').length > 0, 'the loop never started');
	chatty.abort();
	await t.throwsAsync(ticking, {any: true, name: 'AbortError'});
	const stoppedAt = Date.now();
	await waitFor('the remote loop to end', () => processesWith('tick.4242').length === 0);
	t.log(`writing remote command gone ${Date.now() - stoppedAt} ms after the abort`);
	t.deepEqual(processesWith('tick.4242'), []);
	t.is(await client.run('echo usable'), 'usable\n');
});
