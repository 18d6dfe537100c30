import test from 'ava';
import {createKeyReader, keysOf, type Key} from '../../source/tui/input/keys.js';
import {editText} from '../../source/tui/input/text-field.js';

const names = (keys: readonly Key[]) => keys.map(key => key.name);

test('a read holding many keys gives each key, in order', t => {
	t.deepEqual(names(keysOf('jjk')), ['j', 'j', 'k']);
	t.deepEqual(names(keysOf('/brav')), ['/', 'b', 'r', 'a', 'v']);
	t.deepEqual(names(keysOf('fresh\r')), ['f', 'r', 'e', 's', 'h', 'enter']);
	t.deepEqual(names(keysOf('a\u001B[Bb\u001BOA\u001B[5~\u001B[3~\u001B[H\u001B[F')), ['a', 'down', 'b', 'up', 'pageup', 'delete', 'home', 'end']);
	t.deepEqual(names(keysOf('\u001B[1~\u001B[4~\u001B[6~\u001B[15~\u001B[24~\u001BOP\u001B[[A')), ['home', 'end', 'pagedown', 'f5', 'f12', 'f1', 'f1']);
	t.deepEqual(names(keysOf('\u001B[1;5A\u001B[1;2B\u001B[Z')), ['ctrl+up', 'shift+down', 'shift+tab']);
});

test('control keys have their names; printable keys carry their text', t => {
	t.deepEqual(names(keysOf('\u0003\u0012\t\r\n\u007F\b \u0000')), [
		'ctrl+c',
		'ctrl+r',
		'tab',
		'enter',
		'enter',
		'backspace',
		'backspace',
		'space',
		'ctrl+space',
	]);
	t.deepEqual(keysOf('G '), [
		{name: 'G', text: 'G'},
		{name: 'space', text: ' '},
	]);
	t.deepEqual(keysOf('é€😀'), [
		{name: 'é', text: 'é'},
		{name: '€', text: '€'},
		{name: '😀', text: '😀'},
	]);
});

test('an Esc is the Escape key: alone at the end of input, and before a key that starts no sequence', t => {
	t.deepEqual(names(keysOf('\u001B')), ['escape']);
	t.deepEqual(names(keysOf('\u001Bg')), ['escape', 'g'], 'Esc then g typed fast loses neither');
	t.deepEqual(names(keysOf('\u001B\u001B[A')), ['escape', 'up']);
	t.deepEqual(names(keysOf('\u001B[999~x')), ['x'], 'a sequence naming no key is dropped whole, not typed');
});

test('keys split between reads wait for their rest', t => {
	const reader = createKeyReader();
	t.deepEqual(reader.push('j\u001B'), [{name: 'j', text: 'j'}]);
	t.true(reader.waiting(), 'an ESC at the end of a read may start a sequence');
	t.deepEqual(names(reader.push('[')), []);
	t.deepEqual(names(reader.push('1;5')), []);
	t.deepEqual(names(reader.push('Ck')), ['ctrl+right', 'k']);
	t.false(reader.waiting());

	t.deepEqual(reader.push('\u001B'), []);
	t.deepEqual(names(reader.flush()), ['escape'], 'nothing followed: it was the Escape key');
	t.deepEqual(reader.push('\u001B['), []);
	t.deepEqual(names(reader.flush()), ['escape', '['], 'an unfinished sequence is Escape and what was typed');

	const euro = Buffer.from('€x');
	t.deepEqual(reader.push(euro.subarray(0, 2)), [], 'half a UTF-8 character waits');
	t.deepEqual(reader.push(euro.subarray(2)), [
		{name: '€', text: '€'},
		{name: 'x', text: 'x'},
	]);
});

test('a bracketed paste is one text key, even across reads, and never commands', t => {
	t.deepEqual(keysOf('j\u001B[200~dd y\r\nq\u001B[201~k'), [
		{name: 'j', text: 'j'},
		{name: 'paste', text: 'dd y\r\nq'},
		{name: 'k', text: 'k'},
	]);
	const reader = createKeyReader();
	t.deepEqual(reader.push('\u001B[20'), []);
	t.deepEqual(reader.push('0~web\u001B[A-'), []);
	t.false(reader.waiting(), 'a paste in progress is not an Escape waiting to time out');
	t.deepEqual(reader.push('1\u001B[20'), []);
	t.deepEqual(reader.push('1~\r'), [{name: 'paste', text: 'web\u001B[A-1'}, {name: 'enter'}]);
});

test('a text box edits at its caret; pasted line breaks do not leave the line', t => {
	const type = (value: string, caret: number, input: string) => {
		let field = {value, caret};
		for (const key of keysOf(input)) field = editText(field, key) ?? field;
		return field;
	};

	t.deepEqual(type('', 0, 'web\u001B[D\u001B[D1'), {value: 'w1eb', caret: 2});
	t.deepEqual(type('web', 3, '\u007F\u001B[H\u001B[3~x'), {value: 'xe', caret: 1});
	t.deepEqual(type('', 0, '\u001B[200~10.0.0.7\r\n\u001B[201~'), {value: '10.0.0.7', caret: 8});
	t.deepEqual(type('', 0, '\u001B[200~a\nb\u0007\u001B[201~'), {value: 'a b', caret: 3});
	t.is(editText({value: 'x', caret: 1}, {name: 'tab'}), undefined, "Tab is not the box's");
});
