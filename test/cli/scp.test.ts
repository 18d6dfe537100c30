import test from 'ava';
import {parseLocation} from '../../source/commands/scp.js';

test('scp locations: machine:path, user@machine:path, localhost: and plain paths', t => {
	t.deepEqual(parseLocation('node1:/tmp/x'), {user: undefined, machine: 'node1', path: '/tmp/x'});
	t.deepEqual(parseLocation('deploy@node1:notes.txt'), {user: 'deploy', machine: 'node1', path: 'notes.txt'});
	t.deepEqual(parseLocation('localhost:/etc/hosts'), {path: '/etc/hosts'});
	t.deepEqual(parseLocation('./relative/file'), {path: './relative/file'});
	t.deepEqual(parseLocation('/abs/with:colon'), {path: '/abs/with:colon'});
});
