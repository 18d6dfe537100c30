import {execFile} from 'node:child_process';
import {X509Certificate, createPrivateKey} from 'node:crypto';
import {readFile, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import test from 'ava';
import forge from 'node-forge';
import {
	ensureCertificateFiles,
	certificateUser,
	generateCa,
	generateServerCertificate,
	generateSignedCert,
	positiveSerialHex,
	replaceCertificateFiles,
	validityPeriod,
} from '../../../source/engine/certs/generate.js';
import {certificateProblems, readCertificateInfo} from '../../../source/engine/certs/inspect.js';
import {MachinistError} from '../../../source/engine/errors.js';
import {temporaryDir} from '../../helpers/store.js';

const execFileAsync = promisify(execFile);

// One CA and one foreign CA for the whole file: RSA keys take ~100 ms each.
const caPromise = generateCa('alice');
const otherCaPromise = generateCa('mallory');

const oid = {
	serverAuth: '1.3.6.1.5.5.7.3.1',
	clientAuth: '1.3.6.1.5.5.7.3.2',
};

type ForgeExtension = Record<string, unknown> & {name: string};

function extension(pem: string, name: string): ForgeExtension | undefined {
	const cert = forge.pki.certificateFromPem(pem);
	return cert.extensions.find((ext: ForgeExtension) => ext.name === name) as ForgeExtension | undefined;
}

/** The raw DER TLV of the TBSCertificate field at `index` (after the version). */
function tbsField(pem: string, field: 'serial' | 'issuer' | 'subject'): string {
	const der = forge.pem.decode(pem)[0]!.body;
	const tbs = (forge.asn1.fromDer(der).value as forge.asn1.Asn1[])[0]!;
	const fields = tbs.value as forge.asn1.Asn1[];
	const index = {serial: 1, issuer: 3, subject: 5}[field];
	return forge.asn1.toDer(fields[index]!).toHex();
}

async function opensslVerify(dir: string, caPem: string, certPem: string): Promise<string> {
	const caFile = path.join(dir, 'verify-ca.pem');
	const certFile = path.join(dir, 'verify-cert.pem');
	await writeFile(caFile, caPem);
	await writeFile(certFile, certPem);
	const {stdout} = await execFileAsync('openssl', ['verify', '-CAfile', caFile, certFile]);
	return stdout.trim();
}

test('the CA is self-signed, O=<user> only, a CA with SKID and cert-signing key usage', async t => {
	const ca = await caPromise;
	const cert = new X509Certificate(ca.certPem);
	t.is(cert.subject, 'O=alice');
	t.is(cert.issuer, 'O=alice');
	t.true(cert.ca);
	t.true(cert.verify(cert.publicKey));
	t.regex(ca.keyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
	t.is(createPrivateKey(ca.keyPem).asymmetricKeyDetails?.modulusLength, 2048);
	t.like(extension(ca.certPem, 'keyUsage'), {critical: true, keyCertSign: true, digitalSignature: true, keyEncipherment: true, keyAgreement: true});
	t.like(extension(ca.certPem, 'basicConstraints'), {cA: true});
	t.truthy(extension(ca.certPem, 'subjectKeyIdentifier'));
	t.is(forge.pki.certificateFromPem(ca.certPem).siginfo.algorithmOid, '1.2.840.113549.1.1.11');
	t.false(ca.certPem.includes('\r'));
});

test('client certificate: org <user>.<bootstrap>, clientAuth only, signed by the CA', async t => {
	const ca = await caPromise;
	const client = await generateSignedCert({org: 'alice.<bootstrap>', ca, kind: 'client'});
	const cert = new X509Certificate(client.certPem);
	const caCert = new X509Certificate(ca.certPem);
	// Node, like Go's pkix.Name.String, escapes <, > and commas as RFC 2253 asks.
	t.is(cert.subject, String.raw`O=alice.\<bootstrap\>`);
	t.not(cert.subject, caCert.subject);
	t.is(cert.issuer, caCert.subject);
	t.false(cert.ca);
	t.deepEqual(cert.keyUsage, [oid.clientAuth]);
	t.true(cert.verify(caCert.publicKey));
	t.true(cert.checkIssued(caCert));
	t.false(cert.verify(new X509Certificate((await otherCaPromise).certPem).publicKey));
	t.like(extension(client.certPem, 'keyUsage'), {digitalSignature: true, keyEncipherment: false, keyCertSign: false});
	t.is(cert.subjectAltName, undefined);
	// The AKID must name the CA's SKID, which is how OpenSSL and Go pick the issuer.
	t.is(
		(extension(client.certPem, 'authorityKeyIdentifier')?.value as string | undefined)?.slice(-20),
		forge.util.hexToBytes((extension(ca.certPem, 'subjectKeyIdentifier')?.subjectKeyIdentifier as string | undefined) ?? ''),
	);
	t.regex(client.keyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
});

test('server certificate: IP hosts become IP SANs, others DNS SANs; serverAuth (+clientAuth on request)', async t => {
	const ca = await caPromise;
	const server = await generateSignedCert({
		org: 'alice.m1',
		ca,
		kind: 'server',
		hosts: ['192.168.99.100', 'localhost', 'docker.example.com', '::1', '192.168.99.100', ' ', '1.2.3.4.nip.io'],
	});
	const info = readCertificateInfo(server.certPem);
	t.deepEqual(info.dnsNames, ['localhost', 'docker.example.com', '1.2.3.4.nip.io']);
	t.deepEqual(info.ipAddresses, ['192.168.99.100', '::1']);
	t.deepEqual(info.sans, ['localhost', 'docker.example.com', '1.2.3.4.nip.io', '192.168.99.100', '::1']);
	const cert = new X509Certificate(server.certPem);
	t.is(cert.subject, 'O=alice.m1');
	t.deepEqual(cert.keyUsage, [oid.serverAuth]);
	t.is(cert.checkIP('192.168.99.100'), '192.168.99.100');
	t.is(cert.checkIP('::1'), '::1');
	t.is(cert.checkIP('192.168.99.101'), undefined);
	t.is(cert.checkHost('docker.example.com'), 'docker.example.com');
	t.like(extension(server.certPem, 'keyUsage'), {digitalSignature: true, keyEncipherment: true, keyAgreement: true, keyCertSign: false});
	t.true(cert.verify(new X509Certificate(ca.certPem).publicKey));

	const swarmMaster = await generateSignedCert({org: 'alice.m1', ca, kind: 'server', hosts: ['10.0.0.1'], clientAuthToo: true});
	t.deepEqual(new X509Certificate(swarmMaster.certPem).keyUsage?.sort(), [oid.serverAuth, oid.clientAuth].sort());
});

test('validity: NotBefore is the minute minus five minutes, NotAfter 1080 days later', async t => {
	const now = new Date('2024-03-10T12:34:56.789Z');
	t.deepEqual(validityPeriod(now), {
		notBefore: new Date('2024-03-10T12:29:00.000Z'),
		notAfter: new Date('2027-02-23T12:29:00.000Z'),
	});
	const ca = await caPromise;
	const client = await generateSignedCert({org: 'alice.<bootstrap>', ca, kind: 'client', now});
	const info = readCertificateInfo(client.certPem);
	t.is(info.notBefore.toISOString(), '2024-03-10T12:29:00.000Z');
	t.is(info.notAfter.toISOString(), '2027-02-23T12:29:00.000Z');
	t.is(info.notAfter.getTime() - info.notBefore.getTime(), 1080 * 86_400_000);
});

test('serials are positive, 128-bit at most, minimally encoded and distinct', async t => {
	t.is(positiveSerialHex(Uint8Array.from([0xff, 0x01])), '7f01');
	t.is(positiveSerialHex(Uint8Array.from([0x80, 0x90])), '0090');
	t.is(positiveSerialHex(Uint8Array.from([0x00, 0x12])), '12');
	t.is(positiveSerialHex(Uint8Array.from([0x00, 0x00])), '01');
	t.is(positiveSerialHex(new Uint8Array(16).fill(0xff)), '7f' + 'ff'.repeat(15));

	const ca = await caPromise;
	const certs = await Promise.all(Array.from({length: 6}, async () => generateSignedCert({org: 'alice.<bootstrap>', ca, kind: 'client'})));
	const serials = new Set<string>();
	for (const {certPem} of [ca, ...certs]) {
		const tlv = tbsField(certPem, 'serial');
		// 02 <len> <content>: the first content byte must not have its sign bit set.
		const content = tlv.slice(4);
		t.true(Number.parseInt(content.slice(0, 2), 16) < 0x80, content);
		t.true(content.length <= 32);
		t.false(new X509Certificate(certPem).serialNumber.startsWith('-'));
		serials.add(content);
	}

	t.is(serials.size, 7);
});

test('the issuer is copied byte for byte from the CA subject, also for UTF-8 names', async t => {
	const dir = await temporaryDir(t);
	const ca = await generateCa('jösé <admin>');
	t.is(new X509Certificate(ca.certPem).subject, String.raw`O=jösé \<admin\>`);
	const client = await generateSignedCert({org: 'jösé <admin>.<bootstrap>', ca, kind: 'client'});
	t.is(tbsField(client.certPem, 'issuer'), tbsField(ca.certPem, 'subject'));
	// 0x0c is UTF8String: "<" is not allowed in a PrintableString, which Go refuses to parse.
	t.regex(tbsField(client.certPem, 'subject'), /060355040a0c/);
	t.is(await opensslVerify(dir, ca.certPem, client.certPem), `${path.join(dir, 'verify-cert.pem')}: OK`);
	const ascii = await caPromise;
	t.regex(tbsField(ascii.certPem, 'subject'), /060355040a13/, 'PrintableString when possible, like Go');
});

test('openssl verify accepts the client and server certificates', async t => {
	const dir = await temporaryDir(t);
	const ca = await caPromise;
	const client = await generateSignedCert({org: 'alice.<bootstrap>', ca, kind: 'client'});
	const server = await generateSignedCert({org: 'alice.m1', ca, kind: 'server', hosts: ['127.0.0.1', 'localhost']});
	t.is(await opensslVerify(dir, ca.certPem, client.certPem), `${path.join(dir, 'verify-cert.pem')}: OK`);
	t.is(await opensslVerify(dir, ca.certPem, server.certPem), `${path.join(dir, 'verify-cert.pem')}: OK`);
	const {stdout} = await execFileAsync('openssl', [
		'verify',
		'-purpose',
		'sslclient',
		'-CAfile',
		path.join(dir, 'verify-ca.pem'),
		path.join(dir, 'verify-cert.pem'),
	]).catch((error: unknown) => error as {stdout: string});
	t.notRegex(stdout, /: OK$/, 'a server-only certificate is not a client certificate');
	await t.throwsAsync(opensslVerify(dir, (await otherCaPromise).certPem, server.certPem));
});

function certsPaths(dir: string): {caCert: string; caKey: string; clientCert: string; clientKey: string} {
	const certs = path.join(dir, 'certs');
	return {
		caCert: path.join(certs, 'ca.pem'),
		caKey: path.join(certs, 'ca-key.pem'),
		clientCert: path.join(certs, 'cert.pem'),
		clientKey: path.join(certs, 'key.pem'),
	};
}

async function mode(file: string): Promise<number> {
	return (await stat(file)).mode & 0o777;
}

test('bootstrap creates the CA and client certificate once, with private modes', async t => {
	const dir = await temporaryDir(t);
	const paths = certsPaths(dir);
	const created = await ensureCertificateFiles(paths, 'alice');
	t.deepEqual(created, [
		{kind: 'ca', path: paths.caCert},
		{kind: 'client', path: paths.clientCert},
	]);
	t.is(await mode(path.join(dir, 'certs')), 0o700);
	t.is(await mode(paths.caKey), 0o600);
	t.is(await mode(paths.clientKey), 0o600);
	t.is(await mode(paths.caCert), 0o644);
	t.is(await mode(paths.clientCert), 0o644);

	const caPem = await readFile(paths.caCert, 'utf8');
	const clientPem = await readFile(paths.clientCert, 'utf8');
	t.is(new X509Certificate(caPem).subject, 'O=alice');
	t.is(new X509Certificate(clientPem).subject, String.raw`O=alice.\<bootstrap\>`);
	t.true(certificateProblems(clientPem, caPem).chainsToCa);
	t.regex(await readFile(paths.caKey, 'utf8'), /^-----BEGIN RSA PRIVATE KEY-----/);

	t.deepEqual(await ensureCertificateFiles(paths, 'alice'), []);
	t.is(await readFile(paths.caCert, 'utf8'), caPem);
	t.is(await readFile(paths.clientCert, 'utf8'), clientPem);
	t.deepEqual(
		(await import('node:fs/promises').then(async fs => fs.readdir(path.join(dir, 'certs')))).sort(),
		['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem'],
		'no temporary files left',
	);
});

test('bootstrap replaces an expired CA, and then the client certificate too', async t => {
	const dir = await temporaryDir(t);
	const paths = certsPaths(dir);
	const fourYearsAgo = new Date(Date.now() - 4 * 365 * 86_400_000);
	t.is((await ensureCertificateFiles(paths, 'alice', fourYearsAgo)).length, 2);
	const oldCa = await readFile(paths.caCert, 'utf8');
	t.true(certificateProblems(oldCa, oldCa).expired);

	const created = await ensureCertificateFiles(paths, 'alice');
	t.deepEqual(
		created.map(item => item.kind),
		['ca', 'client'],
	);
	const newCa = await readFile(paths.caCert, 'utf8');
	const client = await readFile(paths.clientCert, 'utf8');
	t.not(newCa, oldCa);
	t.false(certificateProblems(newCa, newCa).expired);
	t.true(certificateProblems(client, newCa).chainsToCa);
	t.false(certificateProblems(client, oldCa).chainsToCa);
});

test('bootstrap replaces only an expired or missing client certificate when the CA is fine', async t => {
	const dir = await temporaryDir(t);
	const paths = certsPaths(dir);
	await ensureCertificateFiles(paths, 'alice');
	const caPem = await readFile(paths.caCert, 'utf8');
	const caKey = await readFile(paths.caKey, 'utf8');
	const expired = await generateSignedCert({
		org: 'alice.<bootstrap>',
		ca: {certPem: caPem, keyPem: caKey},
		kind: 'client',
		now: new Date('2019-01-01T00:00:00Z'),
	});
	await writeFile(paths.clientCert, expired.certPem);
	t.deepEqual(await ensureCertificateFiles(paths, 'alice'), [{kind: 'client', path: paths.clientCert}]);
	t.is(await readFile(paths.caCert, 'utf8'), caPem);
	t.false(certificateProblems(await readFile(paths.clientCert, 'utf8'), caPem).expired);
});

test('bootstrap refuses to overwrite a file that is not a certificate', async t => {
	const dir = await temporaryDir(t);
	const paths = certsPaths(dir);
	await ensureCertificateFiles(paths, 'alice');
	await writeFile(paths.caCert, 'not a certificate');
	await t.throwsAsync(ensureCertificateFiles(paths, 'alice'), {instanceOf: MachinistError, message: /ca\.pem is not a valid certificate/});
});

test('replaceCertificateFiles always makes a new CA and client certificate', async t => {
	const dir = await temporaryDir(t);
	const paths = certsPaths(dir);
	await ensureCertificateFiles(paths, 'alice');
	const oldCa = await readFile(paths.caCert, 'utf8');
	const oldCaKey = await readFile(paths.caKey, 'utf8');
	const oldClient = await readFile(paths.clientCert, 'utf8');

	t.deepEqual(await replaceCertificateFiles(paths, 'alice'), [
		{kind: 'ca', path: paths.caCert},
		{kind: 'client', path: paths.clientCert},
	]);
	const newCa = await readFile(paths.caCert, 'utf8');
	const newClient = await readFile(paths.clientCert, 'utf8');
	t.not(newCa, oldCa);
	t.not(await readFile(paths.caKey, 'utf8'), oldCaKey);
	t.not(newClient, oldClient);
	t.true(certificateProblems(newClient, newCa).chainsToCa);
	t.false(certificateProblems(oldClient, newCa).chainsToCa);
	t.is(await mode(paths.caKey), 0o600);
});

test('generateServerCertificate signs with the CA on disk and writes a private key', async t => {
	const dir = await temporaryDir(t);
	const paths = certsPaths(dir);
	await ensureCertificateFiles(paths, 'alice');
	const machine = path.join(dir, 'machines', 'm1');
	await generateServerCertificate({
		caCertPath: paths.caCert,
		caKeyPath: paths.caKey,
		serverCertPath: path.join(machine, 'server.pem'),
		serverKeyPath: path.join(machine, 'server-key.pem'),
		org: 'alice.m1',
		hosts: ['10.0.0.5', 'localhost'],
	});
	t.is(await mode(path.join(machine, 'server-key.pem')), 0o600);
	const serverPem = await readFile(path.join(machine, 'server.pem'), 'utf8');
	t.deepEqual(readCertificateInfo(serverPem).sans, ['localhost', '10.0.0.5']);
	t.true(certificateProblems(serverPem, await readFile(paths.caCert)).chainsToCa);

	await t.throwsAsync(
		generateServerCertificate({
			caCertPath: paths.caCert,
			caKeyPath: paths.clientKey,
			serverCertPath: path.join(machine, 'server.pem'),
			serverKeyPath: path.join(machine, 'server-key.pem'),
			org: 'alice.m1',
			hosts: [],
		}),
		{instanceOf: MachinistError, message: /CA key does not belong to the CA certificate/},
	);
});

test('certificateUser: $USER, then $USERNAME, then unknown', t => {
	t.is(certificateUser({USER: 'alice', USERNAME: 'bob'}), 'alice');
	t.is(certificateUser({USER: '', USERNAME: 'bob'}), 'bob');
	t.is(certificateUser({}), 'unknown');
});
