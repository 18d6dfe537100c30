import test from 'ava';
import {hostnameMismatch} from '../../../source/engine/certs/tls-errors.js';

test('Go-style host mismatch texts', t => {
	t.is(hostnameMismatch('10.0.0.2', 'DNS:localhost, IP Address:10.0.0.1'), 'x509: certificate is valid for 10.0.0.1, not 10.0.0.2');
	t.is(
		hostnameMismatch('example.com', 'DNS:localhost, DNS:a.test, IP Address:10.0.0.1'),
		'x509: certificate is valid for localhost, a.test, not example.com',
	);
	t.is(hostnameMismatch('10.0.0.2', 'DNS:localhost'), "x509: cannot validate certificate for 10.0.0.2 because it doesn't contain any IP SANs");
	t.is(hostnameMismatch('example.com', 'IP Address:10.0.0.1'), 'x509: certificate is not valid for any names, but wanted to match example.com');
});
