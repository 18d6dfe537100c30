import {execFile} from 'node:child_process';
import {readFile, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import test from 'ava';
import {
	HostKeyMismatchError,
	createHostKeyCheck,
	hostKeyFingerprint,
	hostKeyType,
	knownHostsName,
	pinHostKey,
	readPins,
	resetPin,
	sshHostKeyOptions,
} from '../../../source/engine/ssh/hostkeys.js';
import {temporaryDir} from '../../helpers/store.js';

const execFileAsync = promisify(execFile);

async function hostKey(dir: string, type: 'ed25519' | 'rsa' | 'ecdsa', name: string): Promise<{line: string; wire: Buffer; file: string}> {
	const file = path.join(dir, name);
	await execFileAsync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
	const line = (await readFile(`${file}.pub`, 'utf8')).trim();
	return {line, wire: Buffer.from(line.split(' ')[1]!, 'base64'), file};
}

test('fingerprints match ssh-keygen -lf for every key type', async t => {
	const dir = await temporaryDir(t);
	for (const type of ['ed25519', 'rsa', 'ecdsa'] as const) {
		const key = await hostKey(dir, type, type);
		const {stdout} = await execFileAsync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key.file}.pub`]);
		t.is(hostKeyFingerprint(key.wire), stdout.split(' ')[1]!);
		t.is(hostKeyType(key.wire), key.line.split(' ')[0]!);
	}
});

test('pins are written in known_hosts format: bare host for port 22, [host]:port otherwise', async t => {
	const dir = await temporaryDir(t);
	const file = path.join(dir, 'known_hosts');
	const a = await hostKey(dir, 'ed25519', 'a');
	const b = await hostKey(dir, 'rsa', 'b');
	t.is(knownHostsName('10.0.0.2', 22), '10.0.0.2');
	t.is(knownHostsName('Host.Example', 2222), '[host.example]:2222');
	t.is(knownHostsName('::1', 2222), '[::1]:2222');

	await pinHostKey(file, '10.0.0.2', 22, a.wire);
	await pinHostKey(file, '10.0.0.2', 2222, b.line);
	// Pinning the same key again changes nothing.
	await pinHostKey(file, '10.0.0.2', 22, a.wire);
	const [aType, aBase64] = a.line.split(' ');
	const [bType, bBase64] = b.line.split(' ');
	t.is(await readFile(file, 'utf8'), `10.0.0.2 ${aType} ${aBase64}\n[10.0.0.2]:2222 ${bType} ${bBase64}\n`);
	t.is((await stat(file)).mode & 0o777, 0o600);

	// ssh-keygen finds them where ssh would look.
	const {stdout} = await execFileAsync('ssh-keygen', ['-F', '[10.0.0.2]:2222', '-f', file]);
	t.true(stdout.includes(bBase64!));

	t.deepEqual(
		(await readPins(file, '10.0.0.2', 22)).map(pin => pin.fingerprint),
		[hostKeyFingerprint(a.wire)],
	);
	t.deepEqual(
		(await readPins(file, '10.0.0.2', 2222)).map(pin => pin.keyType),
		['ssh-rsa'],
	);
	t.deepEqual(await readPins(file, '10.0.0.3', 22), []);
	t.deepEqual(await readPins(path.join(dir, 'missing'), '10.0.0.2', 22), []);

	await t.throwsAsync(pinHostKey(file, 'h', 22, 'not a key'), {message: /^Cannot pin "not a key": it is not a public key line/});
	await t.throwsAsync(pinHostKey(file, 'h', 22, `ssh-rsa ${aBase64!}`), {message: /its type does not match the key inside/});
	t.is(await resetPin(file, '10.0.0.2', 22), 1);
	t.is(await readFile(file, 'utf8'), `[10.0.0.2]:2222 ${bType} ${bBase64}\n`);
	t.is(await resetPin(file, '10.0.0.2', 22), 0);
	t.is(await resetPin(path.join(dir, 'missing'), '10.0.0.2', 22), 0);
});

test('entries hashed by ssh-keygen -H and host lists still count as pins', async t => {
	const dir = await temporaryDir(t);
	const file = path.join(dir, 'known_hosts');
	const a = await hostKey(dir, 'ed25519', 'a');
	const [type, base64] = a.line.split(' ');
	await writeFile(file, `# comment\n\n[127.0.0.1]:2200,other ${type} ${base64}\n`);
	t.is((await readPins(file, '127.0.0.1', 2200)).length, 1);
	t.is((await readPins(file, 'OTHER', 22)).length, 1);
	await execFileAsync('ssh-keygen', ['-H', '-f', file]);
	t.regex(await readFile(file, 'utf8'), /^\|1\|/m);
	t.is((await readPins(file, '127.0.0.1', 2200))[0]?.fingerprint, hostKeyFingerprint(a.wire));
	t.is(await resetPin(file, '127.0.0.1', 2200), 1);
});

test('trust on first use: the first key is pinned only on commit, later only that key passes', async t => {
	const dir = await temporaryDir(t);
	const file = path.join(dir, 'known_hosts');
	const first = await hostKey(dir, 'ed25519', 'first');
	const second = await hostKey(dir, 'ed25519', 'second');
	const rsa = await hostKey(dir, 'rsa', 'rsa');
	const options = {knownHostsFile: file, host: '10.0.0.2', port: 22, hostLabel: 'dev'};

	const check = await createHostKeyCheck(options);
	t.is(check.serverHostKeyAlgorithms, undefined);
	t.true(check.hostVerifier(first.wire));
	// A re-key within the same connection must show the same key.
	t.false(check.hostVerifier(second.wire));
	t.true(check.hostVerifier(first.wire));
	t.deepEqual(await readPins(file, '10.0.0.2', 22), [], 'pinned before the handshake finished');
	await check.commit();
	t.is((await readPins(file, '10.0.0.2', 22))[0]?.fingerprint, hostKeyFingerprint(first.wire));

	const later = await createHostKeyCheck(options);
	t.is(later.serverHostKeyAlgorithms?.[0], 'ssh-ed25519');
	t.true(later.hostVerifier(first.wire));
	t.is(later.mismatch, undefined);
	t.false(later.hostVerifier(second.wire));
	t.true(later.mismatch instanceof HostKeyMismatchError);
	t.is(
		later.mismatch?.message,
		`Host key of "dev" (10.0.0.2:22) changed: pinned ${hostKeyFingerprint(first.wire)}, now ${hostKeyFingerprint(second.wire)}. If the host was rebuilt, run "machinist ssh --reset-host-key dev"; otherwise someone may be intercepting the connection.`,
	);

	// A key of another type is no excuse either.
	const typed = await createHostKeyCheck(options);
	t.false(typed.hostVerifier(rsa.wire));
	t.regex(typed.mismatch?.message ?? '', / \(ssh-ed25519\), now SHA256:\S+ \(ssh-rsa\)\./);
	await typed.commit();
	t.is((await readPins(file, '10.0.0.2', 22)).length, 1);
});

test('an RSA pin puts the RSA algorithms first so a server with several keys shows the pinned one', async t => {
	const dir = await temporaryDir(t);
	const file = path.join(dir, 'known_hosts');
	await pinHostKey(file, 'h', 22, (await hostKey(dir, 'rsa', 'r')).wire);
	const check = await createHostKeyCheck({knownHostsFile: file, host: 'h', port: 22, hostLabel: 'h'});
	t.deepEqual(check.serverHostKeyAlgorithms?.slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
	t.true(check.serverHostKeyAlgorithms?.includes('ssh-ed25519'));
});

test('options for the system ssh quote the file and escape % tokens', t => {
	t.deepEqual(sshHostKeyOptions('/m/known_hosts'), [
		'-o',
		'UserKnownHostsFile=/m/known_hosts',
		'-o',
		'GlobalKnownHostsFile=/dev/null',
		'-o',
		'StrictHostKeyChecking=yes',
		'-o',
		'UpdateHostKeys=no',
	]);
	t.is(sshHostKeyOptions('/My Machines/100%d/known_hosts')[1], 'UserKnownHostsFile="/My Machines/100%%d/known_hosts"');
});
