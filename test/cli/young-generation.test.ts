import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {getHeapSpaceStatistics} from 'node:v8';
import test from 'ava';
import {keepYoungGenerationSmall} from '../../source/cli/young-generation.js';

const newSpaceBytes = (): number => getHeapSpaceStatistics().find(space => space.space_name === 'new_space')!.space_size;

/** What makes V8 grow its young generation: many objects that live through a scavenge or two. */
const survivors = `
let kept = [];
for (let index = 0; index < 3_000_000; index++) {
	kept.push({index, text: 'x' + index});
	if (kept.length > 100_000) kept = [];
}
`;

test('without the setting, objects that survive scavenges grow a fresh Node young generation past 2 MB', async t => {
	const script = `${survivors}; console.log(require('node:v8').getHeapSpaceStatistics().find(space => space.space_name === 'new_space').space_size)`;
	const {stdout} = await promisify(execFile)(process.execPath, ['-e', script]);
	t.true(Number(stdout) > 2 * 1024 * 1024, `new space: ${stdout.trim()} bytes`);
});

test('once the app has opened, the same objects leave the young generation the size it was', async t => {
	await keepYoungGenerationSmall();
	const before = newSpaceBytes();
	// eslint-disable-next-line no-new-func -- the same workload as the child process above
	const run = new Function(survivors) as () => void;
	run();
	t.is(newSpaceBytes(), before);
});
