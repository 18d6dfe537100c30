import {setTimeout as delay} from 'node:timers/promises';
import test from 'ava';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import {useClock} from '../../source/tui/hooks/useClock.js';

/** Four rows counting seconds, each from its own moment a quarter of a second apart. */
const offsetsMs = [0, 250, 500, 750];

/** Milliseconds until a row counting from `offset` reads its next whole second. */
function untilNextSecond(elapsedMs: number): number {
	return elapsedMs < 0 ? 1000 - elapsedMs : 1000 - (elapsedMs % 1000);
}

function Counters({start}: {start: number}) {
	const now = useClock(start, at => Math.min(...offsetsMs.map(offset => untilNextSecond(at - start - offset))));
	return createElement(Text, null, offsetsMs.map(offset => Math.max(0, Math.floor((now - start - offset) / 1000))).join(' '));
}

test('rows counting seconds from different moments are drawn together, once a second, each at most a second late', async t => {
	const start = Date.now();
	const {frames, lastFrame, unmount} = render(createElement(Counters, {start}));
	await delay(3200);
	const elapsed = Date.now() - start;
	const drawn = [...frames];
	const shown = lastFrame()!.split(' ').map(Number);
	unmount();
	// The first frame, then a beat a second at most; a beat per row would be four frames a second.
	t.true(drawn.length <= Math.floor(elapsed / 1000) + 2, `${drawn.length} frames in ${elapsed} ms: ${drawn.join(' | ')}`);
	for (const [index, offset] of offsetsMs.entries()) {
		const exact = Math.max(0, Math.floor((elapsed - offset) / 1000));
		t.true(shown[index]! >= exact - 1 && shown[index]! <= exact, `row ${index}: ${shown[index]} shown, ${exact} true`);
	}
});
