import {spawn} from 'node:child_process';
import {X509Certificate, createPrivateKey} from 'node:crypto';
import {readFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {builtCli, machinist} from '../helpers/cli.js';
import {storeEnv} from './snapshot.js';

/** mulberry32: a seeded generator, so a failing run can be repeated with its seed. */
function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d_2b_79_f5) >>> 0;
		let value = state;
		value = Math.imul(value ^ (value >>> 15), value | 1);
		value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
		return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const seed = Number(process.env.MACHINIST_CHAOS_SEED ?? 20_240_613);

/** A directory's ca.pem, cert.pem and key.pem belong together: the certificate is the CA's and the key is the certificate's. */
async function assertTrio(t: ExecutionContext, dir: string, [caName, certName, keyName]: readonly [string, string, string], what: string): Promise<void> {
	const [ca, cert, key] = await Promise.all([caName, certName, keyName].map(async name => readFile(path.join(dir, name))));
	const caCert = new X509Certificate(ca!);
	const clientCert = new X509Certificate(cert!);
	t.true(clientCert.verify(caCert.publicKey), `${what}: ${certName} is signed by ${caName}`);
	t.true(clientCert.checkPrivateKey(createPrivateKey(key!)), `${what}: ${keyName} is the key of ${certName}`);
}

/** What a store must look like at rest: every machine whole and named by its directory, nothing stray. */
async function assertConsistent(t: ExecutionContext, store: string, env: NodeJS.ProcessEnv): Promise<string[]> {
	const machinesDir = path.join(store, 'machines');
	const listed = (await machinist(['ls', '-q'], env)).stdout.split('\n').filter(Boolean);
	t.is(new Set(listed).size, listed.length, 'no duplicate rows');
	const entries = await readdir(machinesDir).catch(() => [] as string[]);
	t.deepEqual(
		entries.filter(name => name.startsWith('.')),
		[],
		'no lock files after ls swept',
	);
	for (const name of listed) {
		const files = await readdir(path.join(machinesDir, name));
		t.deepEqual(
			files.filter(file => file.endsWith('.tmp')),
			[],
			`no temporary files in ${name}`,
		);
		if (files.includes('config.json')) {
			const record = JSON.parse(await readFile(path.join(machinesDir, name, 'config.json'), 'utf8')) as {Name: string};
			t.is(record.Name, name);
		}
	}

	return listed;
}

test('concurrent create, rm, regenerate-certs and ls on one store: no duplicates, no lost records, no stray files, no torn certificates', async t => {
	const {store, env} = await storeEnv(t);
	const random = seeded(seed);
	const names = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
	const writers = 36;
	const results = await Promise.all(
		Array.from({length: writers}, async (_, index) => {
			const name = names[Math.floor(random() * names.length)]!;
			const roll = random();
			if (roll < 0.5)
				return {op: 'create', name, result: await machinist(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${4000 + index}`, name], env)};
			if (roll < 0.7) return {op: 'rm', name, result: await machinist(['rm', '-y', name], env)};
			// A new CA and client certificate for the store, while creates copy them into machines.
			if (roll < 0.85) return {op: 'regenerate', name, result: await machinist(['regenerate-certs', '-f', '--client-certs', name], env)};
			return {op: 'ls', name, result: await machinist(['ls', '-q'], env)};
		}),
	);
	// Under contention a command may also give up after 30 s of waiting for the machine's lock:
	// that is a clear answer that names the holder, and nothing is lost.
	const busy = (name: string) =>
		new RegExp(
			String.raw`(^|: )(Machine "${name}" is|The store's certificates are) busy: process \d+ \(.+\) holds .+; wait for it to finish, or remove the file if that process is gone\n$`,
		);
	// Otherwise a create may lose to an existing machine and an rm to a missing one, each with its
	// message; ls always works.
	const unexpected = results.filter(({op, name, result}) => {
		if (result.code === 0) return false;
		if (op === 'ls') return true;
		if (busy(name).test(result.stderr)) return false;
		if (op === 'create') return result.stderr !== `Docker machine "${name}" already exists\n`;
		if (op === 'rm') return !result.stderr.includes('does not exist');
		// The `none` driver has no SSH to put a server certificate on: only the store's certificates change.
		return !/is not provisioned over SSH|does not exist/.test(result.stderr);
	});
	t.deepEqual(unexpected, []);

	const listed = await assertConsistent(t, store, env);
	for (const name of listed) {
		const files = await readdir(path.join(store, 'machines', name));
		t.true(
			['config.json', 'ca.pem', 'cert.pem', 'key.pem'].every(file => files.includes(file)),
			`${name} is whole: ${files.join(' ')}`,
		);
		await assertTrio(t, path.join(store, 'machines', name), ['ca.pem', 'cert.pem', 'key.pem'], name);
	}

	const certs = path.join(store, 'certs');
	await assertTrio(t, certs, ['ca.pem', 'cert.pem', 'key.pem'], 'the store');
	const caKey = createPrivateKey(await readFile(path.join(certs, 'ca-key.pem')));
	t.true(new X509Certificate(await readFile(path.join(certs, 'ca.pem'))).checkPrivateKey(caKey), "the store's ca-key.pem is the key of its ca.pem");

	t.log(`${writers} writers held (seed ${seed}); ${listed.length} machines at the end`);
});

test('kill -9 of create and rm at random points: ls recovers, rm -f cleans up, the name can be made again', async t => {
	const {store, env} = await storeEnv(t);
	const random = seeded(seed + 1);
	const kills = 12;
	let survived = 0;
	t.is((await machinist(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:5000', 'warmup'], env)).code, 0);
	for (let round = 0; round < kills; round++) {
		const name = `k${round % 3}`;
		const op = random() < 0.7 ? ['create', '-d', 'none', '--url', `tcp://127.0.0.1:${5001 + round}`, name] : ['rm', '-y', name];
		const child = spawn(process.execPath, [builtCli, ...op], {env: {PATH: process.env.PATH, ...env}, stdio: 'ignore'});
		const exited = new Promise(resolve => child.once('exit', resolve));
		await new Promise(resolve => {
			setTimeout(resolve, 150 + random() * 450);
		});
		child.kill('SIGKILL');
		await exited;
		await assertConsistent(t, store, env);
		// Recovery as a user would do it: a half-made machine is removed with rm -f, then made again.
		const removed = await machinist(['rm', '-f', '-y', name], env);
		t.true(removed.code === 0 || removed.stderr.includes('does not exist'), removed.stderr);
		const again = await machinist(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${5101 + round}`, name], env);
		t.is(again.code, 0, `round ${round} (${op[0]}): ${again.stderr}`);
		if (again.code === 0) survived++;
	}

	await assertConsistent(t, store, env);
	t.log(`${survived} of ${kills} kills survived (seed ${seed})`);
});
