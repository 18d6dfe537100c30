import test from 'ava';
import {generateCa, generateSignedCert} from '../../../source/engine/certs/generate.js';
import {certificateProblems, formatIp, ipToBytes, parseSubjectAltName, readCertificateInfo} from '../../../source/engine/certs/inspect.js';

test('certificateProblems: expiry warnings and a certificate from another CA', async t => {
	const ca = await generateCa('alice');
	const client = await generateSignedCert({org: 'alice.<bootstrap>', ca, kind: 'client', now: new Date('2024-01-01T00:00:00Z')});
	const {notAfter} = readCertificateInfo(client.certPem);
	t.like(certificateProblems(client.certPem, ca.certPem, new Date('2024-06-01T00:00:00Z')), {
		expired: false,
		expiresSoon: false,
		chainsToCa: true,
		notYetValid: false,
	});
	const nearEnd = new Date(notAfter.getTime() - 10.5 * 86_400_000);
	t.like(certificateProblems(client.certPem, ca.certPem, nearEnd), {expired: false, expiresSoon: true, daysLeft: 10});
	t.like(certificateProblems(client.certPem, ca.certPem, new Date(notAfter.getTime() + 86_400_000)), {expired: true, expiresSoon: false, daysLeft: -1});
	t.like(certificateProblems(client.certPem, ca.certPem, new Date('2023-01-01T00:00:00Z')), {notYetValid: true});
	t.false(certificateProblems(client.certPem, (await generateCa('mallory')).certPem).chainsToCa);
	// Same name, different key: only the signature check can tell.
	const impostor = await generateCa('alice');
	t.false(certificateProblems(client.certPem, impostor.certPem).chainsToCa);
});

test('SAN text parsing and Go-style IP formatting', t => {
	t.deepEqual(
		parseSubjectAltName('DNS:localhost, DNS:"a, b", IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.0.1, IP Address:0:0:0:0:0:FFFF:102:304, email:x@y'),
		{
			dnsNames: ['localhost', 'a, b'],
			ipAddresses: ['::1', '10.0.0.1', '1.2.3.4'],
		},
	);
	t.deepEqual(parseSubjectAltName(undefined), {dnsNames: [], ipAddresses: []});
	t.is(formatIp(ipToBytes('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
	t.is(formatIp(ipToBytes('fe80::')!), 'fe80::');
	t.is(formatIp(ipToBytes('::')!), '::');
	t.is(formatIp(ipToBytes('1:0:2:0:3:0:4:0')!), '1:0:2:0:3:0:4:0');
	t.is(formatIp(ipToBytes('::ffff:10.1.2.3')!), '10.1.2.3');
	t.is(formatIp(ipToBytes('64:ff9b::192.0.2.33')!), '64:ff9b::c000:221');
	t.is(ipToBytes('localhost'), undefined);
	t.is(ipToBytes('fe80::1%eth0'), undefined);
});
