import {setTimeout as delay} from 'node:timers/promises';
import test from 'ava';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import {useClock} from '../../source/tui/hooks/useClock.js';

/** Four rows counting seconds, each from its own moment a quarter of a second apart. */
const offsetsMs = [0, 250, 500, 750];

function Counters({start}: {start: number}) {
	const now = useClock(start, at => Math.min(...offsetsMs.map(offset => 1000 - ((at - start - offset + 1000) % 1000))));
	return createElement(Text, null, offsetsMs.map(offset => Math.max(0, Math.floor((now - start - offset) / 1000))).join(' '));
}

test('rows counting seconds from different moments are drawn together, once a second, each at most a second late', async t => {
	const start = Date.now();
	const {frames, lastFrame, unmount} = render(createElement(Counters, {start}));
	await delay(3200);
	const elapsed = Date.now() - start;
	unmount();
	// A beat per row would be four frames a second, twelve or more here.
	t.true(frames.length <= 5, `${frames.length} frames: ${frames.join(' | ')}`);
	const shown = lastFrame()!.split(' ').map(Number);
	for (const [index, offset] of offsetsMs.entries()) {
		const exact = Math.floor((elapsed - offset) / 1000);
		t.true(shown[index]! >= exact - 1 && shown[index]! <= exact, `row ${index}: ${shown[index]} shown, ${exact} true`);
	}
});
