import test from 'ava';
import {naturalCompare} from '../../source/engine/natural-compare.js';

test('names sort naturally and case-insensitively, as ls lists them', t => {
	const names = ['node10', 'Node2', 'node1', 'alpha', 'node1a', 'beta-3', 'beta-20'];
	t.deepEqual(names.sort(naturalCompare), ['alpha', 'beta-3', 'beta-20', 'node1', 'node1a', 'Node2', 'node10']);
});
