import test from 'ava';
import {dropInContent, systemdArgument} from '../../../../source/engine/provision/init/systemd.js';

test('hostile engine values cannot break out of the systemd drop-in', t => {
	t.is(systemdArgument('--label=a b'), '"--label=a b"');
	t.is(systemdArgument('100%'), '100%%');
	t.is(systemdArgument('$HOME'), '"$$HOME"');
	t.is(systemdArgument(String.raw`a"b\c`), String.raw`"a\"b\\c"`);
	const content = dropInContent({dockerd: '/usr/sbin/dockerd', args: ['--label', 'x=1\nExecStartPre=/bin/rm -rf /'], env: ['FOO=bar baz']});
	const lines = content.split('\n');
	t.is(lines.filter(line => line.startsWith('ExecStartPre')).length, 0, 'a newline in a value does not start a directive');
	t.true(lines.includes('Environment="FOO=bar baz"'));
	t.true(lines.includes('ExecStart='));
});
