import test from 'ava';
import {tabwrite} from '../../source/format/tabwriter.js';

// Expected outputs below were produced by Go's text/tabwriter with docker-machine's settings
// (minwidth 5, tabwidth 1, padding 3, padchar ' ', flags 0) unless the test says otherwise.

test('aligns docker-machine ls rows exactly as docker-machine 0.16.2 prints them', t => {
	const input = [
		'NAME\tACTIVE\tDRIVER\tSTATE\tURL\tSWARM\tDOCKER\tERRORS\n',
		'p1\t-\tnone\tRunning\ttcp://127.0.0.1:23760\t\tv20.10.24+dfsg1\t\n',
		'sysd1\t-\tgeneric\tRunning\ttcp://10.200.1.2:2376\t\tv20.10.24+dfsg1\t\n',
	].join('');
	t.is(
		tabwrite(input),
		[
			'NAME    ACTIVE   DRIVER    STATE     URL                     SWARM   DOCKER            ERRORS\n',
			'p1      -        none      Running   tcp://127.0.0.1:23760           v20.10.24+dfsg1   \n',
			'sysd1   -        generic   Running   tcp://10.200.1.2:2376           v20.10.24+dfsg1   \n',
		].join(''),
	);
});

test('aligns a three-column docker-machine table', t => {
	const input = 'NAME\tDRIVER\tDOCKER\np1\tnone\tv20.10.24+dfsg1\nsysd1\tgeneric\tv20.10.24+dfsg1\n';
	t.is(tabwrite(input), 'NAME    DRIVER    DOCKER\np1      none      v20.10.24+dfsg1\nsysd1   generic   v20.10.24+dfsg1\n');
});

test('pads every tab-terminated cell to the widest cell of its column plus padding', t => {
	t.is(tabwrite('a\tbbbbbbbbbb\tc\nxxxxxxxx\ty\tz\n'), 'a          bbbbbbbbbb   c\nxxxxxxxx   y            z\n');
});

test('never pads the last cell of a line, which belongs to no column', t => {
	t.is(tabwrite('name\tvalue\nn\tv'), 'name   value\nn      v');
});

test('keeps the padding of an empty tab-terminated cell, leaving trailing spaces', t => {
	t.is(tabwrite('a\tb\t\nccc\td\t\n'), 'a     b    \nccc   d    \n');
});

test('pads short columns up to the minimal width', t => {
	t.is(tabwrite('a\tb\nc\td\n'), 'a    b\nc    d\n');
	t.is(tabwrite('a\tb\nccc\td\n', {minWidth: 10, padding: 0, padChar: '.'}), 'a.........b\nccc.......d\n');
});

test('a line without tabs ends the column block above it', t => {
	t.is(tabwrite('aaaaaaaaaa\tx\nno tabs here\nb\tx\n'), 'aaaaaaaaaa   x\nno tabs here\nb    x\n');
});

test('a line with fewer cells ends the blocks of the columns it lacks', t => {
	// Column 1 of the first and last lines are separate blocks: the middle line has no column 1.
	t.is(tabwrite('a\tb\tc\nccccccccc\tdd\nx\ty\tz\n'), 'a           b    c\nccccccccc   dd\nx           y    z\n');
});

test('pads empty cells to the column width', t => {
	t.is(tabwrite('\t\tx\nab\t\ty\n'), '          x\nab        y\n');
});

test('flushes text without a trailing newline, dropping a trailing tab as Go does', t => {
	t.is(tabwrite('a\tb\nc\t'), 'a    b\nc');
});

test('counts width in code points', t => {
	t.is(tabwrite('héllo\tx\n日本\ty\n'), 'héllo   x\n日本      y\n');
	t.is(tabwrite('😀\tx\nab\ty\n'), '😀    x\nab   y\n');
});

test('keeps empty input and blank lines', t => {
	t.is(tabwrite(''), '');
	t.is(tabwrite('\n\n'), '\n\n');
});

test('ends a block at a form feed, which is output as a newline', t => {
	t.is(tabwrite('a\tb\fcccccccc\td\n'), 'a    b\ncccccccc   d\n');
});

test('treats a vertical tab as a cell terminator', t => {
	t.is(tabwrite('a\vb\nccc\vd\n'), 'a     b\nccc   d\n');
});

test('pads with tabs in multiples of the tab width when the pad character is a tab', t => {
	t.is(tabwrite('a\tb\nccc\td\n', {minWidth: 0, tabWidth: 8, padding: 1, padChar: '\t'}), 'a\tb\nccc\td\n');
	t.is(tabwrite('a\tb\nccccccccc\td\n', {minWidth: 0, tabWidth: 4, padding: 1, padChar: '\t'}), 'a\t\t\tb\nccccccccc\td\n');
	t.is(tabwrite('a\tb\nccc\td\n', {minWidth: 0, tabWidth: 0, padding: 1, padChar: '\t'}), 'ab\ncccd\n');
});

test('rejects negative or fractional sizes and multi-character pad strings', t => {
	t.throws(() => tabwrite('a', {minWidth: -1}), {instanceOf: RangeError});
	t.throws(() => tabwrite('a', {padding: 1.5}), {instanceOf: RangeError});
	t.throws(() => tabwrite('a', {padChar: ''}), {instanceOf: RangeError});
	t.throws(() => tabwrite('a', {padChar: '--'}), {instanceOf: RangeError});
});

test('handles many columns and lines without deep recursion', t => {
	const line = `${'x\t'.repeat(20_000)}end\n`;
	const output = tabwrite(line.repeat(10));
	t.is(output.split('\n').length, 11);
	t.true(output.startsWith('x    x    '));
});
