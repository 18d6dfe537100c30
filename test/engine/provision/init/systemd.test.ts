import test from 'ava';
import {dockerStartingUp, dropInContent, systemdArgument} from '../../../../source/engine/provision/init/systemd.js';

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

test('dockerd is on its way up while its boot job waits, while activating, and for 30 s after systemd calls it started', t => {
	// The shape of startingUp's command's output, as a Debian 12 guest prints it.
	const shown = (state: string, enteredMicroseconds: number, uptime: string, jobs = '') =>
		`ActiveState=${state}\nActiveEnterTimestampMonotonic=${enteredMicroseconds}\nUptime=${uptime}\n${jobs}`;
	t.true(dockerStartingUp(shown('inactive', 0, '21.40', '113 docker.service                     start waiting\n')), 'a queued start job');
	t.true(dockerStartingUp(shown('inactive', 0, '21.40', '112 docker.socket                      start waiting\n')));
	t.true(dockerStartingUp(shown('activating', 0, '33.02')));
	t.true(dockerStartingUp(shown('active', 40_837_205, '41.20')), 'active, but maybe not yet listening on TCP');
	t.false(dockerStartingUp(shown('active', 40_837_205, '96.62')), 'active for a minute: its config is what it runs');
	t.false(dockerStartingUp(shown('inactive', 0, '96.62')), 'stopped, nothing queued');
	t.false(dockerStartingUp(shown('failed', 0, '96.62')));
	t.false(dockerStartingUp(shown('inactive', 0, '96.62', '120 containerd.service start running\n')));
});
