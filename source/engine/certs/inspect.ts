/**
 * Reading certificates without node-forge: `env` and `ls` must start in well under 100 ms, and
 * Node's native X509Certificate costs nothing to load, while forge costs tens of milliseconds.
 */
import {X509Certificate, createPrivateKey} from 'node:crypto';
import {isIP} from 'node:net';

/** `ls` and the TUI warn this many days before a certificate expires. */
export const expiryWarningDays = 30;

export type CertificateInfo = {
	/** The subject's RDNs joined with ", ", e.g. `O=alice.<bootstrap>`. */
	subject: string;
	issuer: string;
	notBefore: Date;
	notAfter: Date;
	/** DNS names, as in the certificate. */
	dnsNames: string[];
	/** IP addresses in Go's notation (`10.0.0.1`, `::1`). */
	ipAddresses: string[];
	/** DNS names then IP addresses: the order Go and docker-machine list them in. */
	sans: string[];
	/** Upper-case hex, as OpenSSL prints it. */
	serialNumber: string;
};

export type CertificateProblems = {
	/** Past its NotAfter. */
	expired: boolean;
	/** Before its NotBefore: usually a clock that is behind. */
	notYetValid: boolean;
	/** Whole days until NotAfter; negative once expired. */
	daysLeft: number;
	/** Valid now, but for fewer than `expiryWarningDays` more days. */
	expiresSoon: boolean;
	/** Names the CA as its issuer and carries a signature the CA's key verifies. */
	chainsToCa: boolean;
};

const dayMs = 24 * 60 * 60 * 1000;

/** Parses a PEM certificate, throwing Node's error when it is not one. */
function parse(pem: string | Buffer): X509Certificate {
	return new X509Certificate(pem);
}

export function readCertificateInfo(pem: string | Buffer): CertificateInfo {
	const cert = parse(pem);
	const names = parseSubjectAltName(cert.subjectAltName);
	return {
		subject: joinDn(cert.subject),
		issuer: joinDn(cert.issuer),
		notBefore: new Date(cert.validFrom),
		notAfter: new Date(cert.validTo),
		dnsNames: names.dnsNames,
		ipAddresses: names.ipAddresses,
		sans: [...names.dnsNames, ...names.ipAddresses],
		serialNumber: cert.serialNumber,
	};
}

export function certificateProblems(pem: string | Buffer, caPem: string | Buffer, now = new Date()): CertificateProblems {
	const cert = parse(pem);
	const ca = parse(caPem);
	const notBefore = new Date(cert.validFrom).getTime();
	const notAfter = new Date(cert.validTo).getTime();
	const expired = now.getTime() > notAfter;
	const daysLeft = Math.floor((notAfter - now.getTime()) / dayMs);
	return {
		expired,
		notYetValid: now.getTime() < notBefore,
		daysLeft,
		expiresSoon: !expired && daysLeft < expiryWarningDays,
		// checkIssued compares names (and key identifiers); verify checks the signature itself,
		// which is what catches a CA that was regenerated under the same name.
		chainsToCa: cert.checkIssued(ca) && cert.verify(ca.publicKey),
	};
}

/** Node prints one RDN per line; a single line suits messages and tables. */
function joinDn(dn: string): string {
	return dn.split('\n').filter(Boolean).join(', ');
}

/**
 * Splits Node's `subjectAltName` text (`DNS:a, IP Address:1.2.3.4`). Node JSON-quotes a value
 * that contains a comma or quote, so a plain split on ", " could cut a name in two.
 */
export function parseSubjectAltName(text: string | undefined): {dnsNames: string[]; ipAddresses: string[]} {
	const dnsNames: string[] = [];
	const ipAddresses: string[] = [];
	if (!text) return {dnsNames, ipAddresses};

	let index = 0;
	while (index < text.length) {
		const colon = text.indexOf(':', index);
		if (colon === -1) break;
		const type = text.slice(index, colon);
		let value: string;
		let next: number;
		if (text[colon + 1] === '"') {
			const end = closingQuote(text, colon + 1);
			try {
				value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
			} catch {
				value = text.slice(colon + 2, end);
			}

			next = text.indexOf(', ', end + 1);
		} else {
			next = text.indexOf(', ', colon + 1);
			value = text.slice(colon + 1, next === -1 ? undefined : next);
		}

		if (type === 'DNS') dnsNames.push(value);
		else if (type === 'IP Address') ipAddresses.push(normaliseIp(value));
		if (next === -1) break;
		index = next + 2;
	}

	return {dnsNames, ipAddresses};
}

function closingQuote(text: string, open: number): number {
	for (let index = open + 1; index < text.length; index++) {
		if (text[index] === '\\') index++;
		else if (text[index] === '"') return index;
	}

	return text.length - 1;
}

/** OpenSSL prints IPv6 SANs long-hand (`0:0:0:0:0:0:0:1`); Go, and users, write `::1`. */
function normaliseIp(text: string): string {
	const bytes = ipToBytes(text);
	return bytes ? formatIp(bytes) : text;
}

/** The 4 or 16 bytes of an IP address, or undefined when the text is not a bare IP address. */
export function ipToBytes(text: string): Uint8Array | undefined {
	const family = isIP(text);
	// A zone (`fe80::1%eth0`) cannot go into a certificate; Go's ParseIP rejects it too.
	if (family === 0 || text.includes('%')) return undefined;
	if (family === 4) return Uint8Array.from(text.split('.').map(Number));

	let expanded = text;
	const lastColon = text.lastIndexOf(':');
	if (text.includes('.', lastColon)) {
		// An embedded IPv4 tail (`::ffff:1.2.3.4`) is two groups written differently.
		const [a = 0, b = 0, c = 0, d = 0] = text
			.slice(lastColon + 1)
			.split('.')
			.map(Number);
		expanded = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}

	const toGroups = (part: string): number[] => (part === '' ? [] : part.split(':').map(group => Number.parseInt(group, 16)));
	const gap = expanded.indexOf('::');
	let groups: number[];
	if (gap === -1) {
		groups = toGroups(expanded);
	} else {
		const left = toGroups(expanded.slice(0, gap));
		const right = toGroups(expanded.slice(gap + 2));
		groups = [...left, ...Array.from({length: 8 - left.length - right.length}, () => 0), ...right];
	}

	const bytes = new Uint8Array(16);
	for (const [index, group] of groups.entries()) {
		bytes[index * 2] = group >> 8;
		bytes[index * 2 + 1] = group & 0xff;
	}

	return bytes;
}

/** Formats an address the way Go's net.IP.String does. */
export function formatIp(bytes: Uint8Array): string {
	if (bytes.length === 4) return [...bytes].join('.');
	const isV4Mapped = bytes.subarray(0, 10).every(byte => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
	if (isV4Mapped) return [...bytes.subarray(12)].join('.');

	const groups: number[] = [];
	for (let index = 0; index < 16; index += 2) groups.push(((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0));
	// Compress the longest run of two or more zero groups, the first one on a tie.
	let bestStart = -1;
	let bestLength = 1;
	for (let start = 0; start < 8;) {
		if (groups[start] !== 0) {
			start++;
			continue;
		}

		let end = start;
		while (end < 8 && groups[end] === 0) end++;
		if (end - start > bestLength) {
			bestStart = start;
			bestLength = end - start;
		}

		start = end;
	}

	const hex = (part: number[]): string => part.map(group => group.toString(16)).join(':');
	if (bestStart === -1) return hex(groups);
	return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** Whether the private key belongs to the certificate; false for anything unreadable. */
export function keyMatchesCertificate(certPem: string | Buffer, keyPem: string | Buffer): boolean {
	try {
		return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
	} catch {
		return false;
	}
}
