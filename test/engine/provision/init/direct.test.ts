import test from 'ava';
import {startScriptContent} from '../../../../source/engine/provision/init/direct.js';

test('the no-init start script quotes every argument for the shell', t => {
	const script = startScriptContent({dockerd: '/usr/sbin/dockerd', args: ['--label', 'a=$(reboot)'], env: ['X=`id`']});
	t.true(script.includes("'a=$(reboot)'"));
	t.true(script.includes("export 'X=`id`'"));
	t.regex(script, /^exec '\/usr\/sbin\/dockerd' '--pidfile'|^exec \/usr\/sbin\/dockerd --pidfile/m);
});
