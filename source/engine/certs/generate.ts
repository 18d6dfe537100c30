/**
 * The CA, client and server certificates docker-machine makes (libmachine/cert), with the same
 * parameters so the Docker CLI and daemon treat ours exactly like theirs.
 *
 * Keys come from Node's async generateKeyPair, which runs on the thread pool; forge only builds
 * and signs certificates, because its pure-JS key generation takes seconds and blocks the event
 * loop (the TUI's spinners would freeze).
 */
import {generateKeyPair, randomBytes} from 'node:crypto';
import {mkdir, readFile, rm} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import forge from 'node-forge';
import {MachinistError, errorMessage} from '../errors.js';
import {writeFilesAtomic} from '../store/files.js';
import {ipToBytes, readCertificateInfo} from './inspect.js';

export type CertificatePair = {certPem: string; keyPem: string};

export type ClientCertificatePaths = {caCert: string; caKey: string; clientCert: string; clientKey: string};

export type CreatedCertificate = {kind: 'ca' | 'client'; path: string};

export const validityDays = 1080;
/** Backdating allowance for clocks that are behind the one that signed. */
const clockSkewMs = 5 * 60 * 1000;
const keyBits = 2048;
const publicFileMode = 0o644;
const privateFileMode = 0o600;

const {pki, asn1} = forge;
const generateKeyPairAsync = promisify(generateKeyPair);

type KeyPair = {privatePem: string; privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey};

async function newKeyPair(): Promise<KeyPair> {
	const {privateKey, publicKey} = await generateKeyPairAsync('rsa', {
		modulusLength: keyBits,
		publicExponent: 0x1_00_01,
		publicKeyEncoding: {type: 'spki', format: 'pem'},
		// PKCS#1 (`RSA PRIVATE KEY`) is what docker-machine writes; some tools only read that.
		privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
	});
	return {
		privatePem: privateKey,
		privateKey: pki.privateKeyFromPem(privateKey),
		publicKey: pki.publicKeyFromPem(publicKey),
	};
}

/**
 * The hex of a DER INTEGER for a random serial that is positive and minimally encoded. forge
 * writes the hex as-is: a set top bit reads as negative, which Go (and so Docker) rejects, and a
 * superfluous leading zero byte is a DER error Go rejects as well.
 */
export function positiveSerialHex(random: Uint8Array): string {
	const bytes = [...random];
	if (bytes.length > 0) bytes[0] = (bytes[0] ?? 0) & 0x7f;
	while (bytes.length > 0 && bytes[0] === 0) bytes.shift();
	if (bytes.length === 0) bytes.push(1);
	// Only reachable with an all-zero first byte: the next byte may then have its top bit set.
	if ((bytes[0] ?? 0) >= 0x80) bytes.unshift(0);
	return bytes.map(byte => byte.toString(16).padStart(2, '0')).join('');
}

/** docker-machine's window: from the minute, five minutes ago, for 1080 days. */
export function validityPeriod(now = new Date()): {notBefore: Date; notAfter: Date} {
	const minute = Math.floor(now.getTime() / 60_000) * 60_000;
	const notBefore = new Date(minute - clockSkewMs);
	const notAfter = new Date(notBefore.getTime() + validityDays * 24 * 60 * 60 * 1000);
	return {notBefore, notAfter};
}

/** Go uses PrintableString when the text allows it and UTF8String otherwise; so do we. */
function organisation(org: string): forge.pki.CertificateField {
	const printable = /^[A-Za-z\d '()+,\-./:=?]*$/.test(org);
	return {
		name: 'organizationName',
		value: org,
		valueTagClass: (printable ? asn1.Type.PRINTABLESTRING : asn1.Type.UTF8) as unknown as forge.asn1.Class,
	};
}

function baseCertificate(keys: KeyPair, org: string, now: Date | undefined): forge.pki.Certificate {
	const cert = pki.createCertificate();
	cert.publicKey = keys.publicKey;
	cert.serialNumber = positiveSerialHex(randomBytes(16));
	const {notBefore, notAfter} = validityPeriod(now);
	cert.validity.notBefore = notBefore;
	cert.validity.notAfter = notAfter;
	cert.setSubject([organisation(org)]);
	return cert;
}

type Issuer = {
	key: forge.pki.rsa.PrivateKey;
	/** The issuer's subject exactly as encoded in its certificate. */
	subject: forge.asn1.Asn1;
	subjectAttributes: forge.pki.CertificateField[];
	/** The issuer's subjectKeyIdentifier, when it has one. */
	keyIdentifier: string | undefined;
};

/**
 * Signs with SHA-256, putting the issuer's subject in byte for byte. forge would re-encode it
 * from parsed attributes, which double-encodes UTF-8 names and splits multi-valued RDNs; Go
 * matches issuers to CAs by raw bytes, so any difference breaks the chain.
 */
function sign(cert: forge.pki.Certificate, issuer: Issuer): string {
	cert.setIssuer(issuer.subjectAttributes);
	cert.signatureOid = pki.oids.sha256WithRSAEncryption ?? '1.2.840.113549.1.1.11';
	cert.siginfo.algorithmOid = cert.signatureOid;
	// getTBSCertificate is public in forge but missing from its type definitions.
	const tbs = (pki as unknown as {getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1}).getTBSCertificate(cert);
	// TBSCertificate: [0] version, serialNumber, signature, issuer, ...
	(tbs.value as forge.asn1.Asn1[])[3] = issuer.subject;
	const digest = forge.md.sha256.create();
	digest.update(asn1.toDer(tbs).getBytes());
	cert.signature = issuer.key.sign(digest);
	// certificateToPem reuses a cached TBSCertificate, so the patched one is what gets written.
	cert.tbsCertificate = tbs;
	return pki.certificateToPem(cert).replaceAll('\r\n', '\n');
}

function subjectAsn1(cert: forge.pki.Certificate): forge.asn1.Asn1 {
	return pki.distinguishedNameToAsn1(cert.subject);
}

export async function generateCa(org: string, now?: Date): Promise<CertificatePair> {
	const keys = await newKeyPair();
	const cert = baseCertificate(keys, org, now);
	cert.setExtensions([
		{name: 'basicConstraints', cA: true, critical: true},
		{name: 'keyUsage', critical: true, keyCertSign: true, digitalSignature: true, keyEncipherment: true, keyAgreement: true},
		{name: 'subjectKeyIdentifier'},
	]);
	const certPem = sign(cert, {
		key: keys.privateKey,
		subject: subjectAsn1(cert),
		subjectAttributes: cert.subject.attributes,
		keyIdentifier: undefined,
	});
	return {certPem, keyPem: keys.privatePem};
}

/** Reads a CA for signing, checking that the key belongs to the certificate. */
function loadIssuer(ca: CertificatePair): Issuer {
	let caCert: forge.pki.Certificate;
	let key: forge.pki.rsa.PrivateKey;
	let certAsn1: forge.asn1.Asn1;
	try {
		const der = forge.pem.decode(ca.certPem).find(block => block.type === 'CERTIFICATE');
		if (!der) throw new Error('no CERTIFICATE block');
		certAsn1 = asn1.fromDer(der.body);
		caCert = pki.certificateFromAsn1(certAsn1);
	} catch (error) {
		throw new MachinistError(`The CA certificate is not a usable RSA certificate: ${errorMessage(error)}`, {cause: error});
	}

	try {
		key = pki.privateKeyFromPem(ca.keyPem);
	} catch (error) {
		throw new MachinistError(`The CA key is not a usable RSA private key: ${errorMessage(error)}`, {cause: error});
	}

	const publicKey = caCert.publicKey as forge.pki.rsa.PublicKey;
	if (!key.n || !publicKey.n || key.n.compareTo(publicKey.n) !== 0) {
		throw new MachinistError('The CA key does not belong to the CA certificate; use the matching ca-key.pem or create a new CA');
	}

	const tbs = (certAsn1.value as forge.asn1.Asn1[])[0];
	const fields = (tbs?.value ?? []) as forge.asn1.Asn1[];
	// The version field is optional ([0] EXPLICIT); the subject sits two after the issuer.
	const hasVersion = fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC;
	const subject = fields[hasVersion ? 5 : 4];
	if (!subject) throw new MachinistError('The CA certificate is malformed: it has no subject');

	const skid = caCert.getExtension('subjectKeyIdentifier') as {subjectKeyIdentifier?: string} | null;
	return {
		key,
		subject,
		subjectAttributes: caCert.subject.attributes,
		keyIdentifier: skid?.subjectKeyIdentifier,
	};
}

export async function generateSignedCert(opts: {
	org: string;
	ca: CertificatePair;
	kind: 'client' | 'server';
	hosts?: string[];
	clientAuthToo?: boolean;
	now?: Date;
}): Promise<CertificatePair> {
	const issuer = loadIssuer(opts.ca);
	const keys = await newKeyPair();
	const cert = baseCertificate(keys, opts.org, opts.now);

	const extensions: object[] = [{name: 'basicConstraints', cA: false, critical: true}];
	if (opts.kind === 'client') {
		extensions.push({name: 'keyUsage', critical: true, digitalSignature: true}, {name: 'extKeyUsage', clientAuth: true});
	} else {
		extensions.push(
			{name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true, keyAgreement: true},
			{name: 'extKeyUsage', serverAuth: true, clientAuth: opts.clientAuthToo === true},
		);
		const altNames = subjectAltNames(opts.hosts ?? []);
		if (altNames.length > 0) extensions.push({name: 'subjectAltName', altNames});
	}

	extensions.push({name: 'subjectKeyIdentifier'});
	if (issuer.keyIdentifier) {
		extensions.push({name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(issuer.keyIdentifier)});
	}

	cert.setExtensions(extensions);
	return {certPem: sign(cert, issuer), keyPem: keys.privatePem};
}

/**
 * docker-machine's rule: a host that parses as an IP address is an IP SAN, anything else a DNS
 * SAN. Duplicates are dropped, DNS names first then IPs, as Go writes them.
 */
function subjectAltNames(hosts: string[]): Array<{type: number; value: string}> {
	const dns: Array<{type: number; value: string}> = [];
	const ips: Array<{type: number; value: string}> = [];
	const seen = new Set<string>();
	for (const raw of hosts) {
		const host = raw.trim();
		if (host === '' || seen.has(host)) continue;
		seen.add(host);
		const bytes = ipToBytes(host);
		if (bytes) ips.push({type: 7, value: String.fromCharCode(...bytes)});
		else dns.push({type: 2, value: host});
	}

	return [...dns, ...ips];
}

// Lives in its own module so `create` can name the user without loading forge.
export {certificateUser} from './user.js';

/** The client certificate's org; `<bootstrap>` is literal, as in docker-machine. */
export function clientOrg(user: string): string {
	return `${user}.<bootstrap>`;
}

/** Missing, unreadable or past its NotAfter: any of these means "make a new one". */
async function needsReplacing(file: string, now: Date): Promise<boolean> {
	let pem: string;
	try {
		pem = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
		throw new MachinistError(`Unable to read certificate ${file}: ${errorMessage(error)}`, {cause: error});
	}

	try {
		return readCertificateInfo(pem).notAfter.getTime() < now.getTime();
	} catch (error) {
		// A corrupt file would otherwise be replaced silently, losing whatever the user put there.
		throw new MachinistError(`${file} is not a valid certificate (${errorMessage(error)}); move it away to have a new one created`, {cause: error});
	}
}

async function readPair(certPath: string, keyPath: string, what: string): Promise<CertificatePair> {
	try {
		const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
		return {certPem, keyPem};
	} catch (error) {
		throw new MachinistError(`Unable to read the ${what}: ${errorMessage(error)}`, {cause: error});
	}
}

/**
 * Both files are written in full and synced before either replaces its old version, so the
 * window in which key and certificate disagree is two renames; a crash inside it is caught by
 * the key/certificate check before anything is uploaded, and the pair is made again.
 */
async function writePair(pair: CertificatePair, certPath: string, keyPath: string): Promise<void> {
	await mkdir(path.dirname(keyPath), {recursive: true, mode: 0o700});
	await mkdir(path.dirname(certPath), {recursive: true, mode: 0o700});
	await writeFilesAtomic([
		[keyPath, pair.keyPem, privateFileMode],
		[certPath, pair.certPem, publicFileMode],
	]);
}

async function createCa(paths: ClientCertificatePaths, user: string, now: Date | undefined): Promise<CertificatePair> {
	const ca = await generateCa(user, now);
	await rm(paths.caKey, {force: true});
	await writePair(ca, paths.caCert, paths.caKey);
	return ca;
}

async function createClient(paths: ClientCertificatePaths, user: string, ca: CertificatePair, now: Date | undefined): Promise<void> {
	const client = await generateSignedCert({org: clientOrg(user), ca, kind: 'client', now});
	await writePair(client, paths.clientCert, paths.clientKey);
}

/**
 * docker-machine's bootstrap, run before every create: make the CA if ca.pem is missing or
 * expired, and the client certificate if cert.pem is missing, expired, or the CA is new (a
 * client cert from the old CA would be rejected by every new machine). Returns what it created,
 * in order, so the CLI can print "Creating CA: ..." lines.
 */
export async function ensureCertificateFiles(paths: ClientCertificatePaths, user: string, now?: Date): Promise<CreatedCertificate[]> {
	const at = now ?? new Date();
	const created: CreatedCertificate[] = [];
	let ca: CertificatePair | undefined;
	if (await needsReplacing(paths.caCert, at)) {
		ca = await createCa(paths, user, now);
		created.push({kind: 'ca', path: paths.caCert});
	}

	if (ca !== undefined || (await needsReplacing(paths.clientCert, at))) {
		ca ??= await readPair(paths.caCert, paths.caKey, 'CA certificate and key');
		await createClient(paths, user, ca, now);
		created.push({kind: 'client', path: paths.clientCert});
	}

	return created;
}

/**
 * `regenerate-certs --client-certs`: always make a new CA and client certificate. docker-machine
 * ran the bootstrap here, which does nothing while the old ones are valid (issue #4397).
 */
export async function replaceCertificateFiles(paths: ClientCertificatePaths, user: string, now?: Date): Promise<CreatedCertificate[]> {
	const ca = await createCa(paths, user, now);
	await createClient(paths, user, ca, now);
	return [
		{kind: 'ca', path: paths.caCert},
		{kind: 'client', path: paths.clientCert},
	];
}

/** A machine's daemon certificate, signed by the CA on disk. */
export async function generateServerCertificate(opts: {
	caCertPath: string;
	caKeyPath: string;
	serverCertPath: string;
	serverKeyPath: string;
	org: string;
	hosts: string[];
	clientAuthToo?: boolean;
}): Promise<void> {
	const ca = await readPair(opts.caCertPath, opts.caKeyPath, 'CA certificate and key');
	const server = await generateSignedCert({org: opts.org, ca, kind: 'server', hosts: opts.hosts, clientAuthToo: opts.clientAuthToo});
	await writePair(server, opts.serverCertPath, opts.serverKeyPath);
}
