import {readFile, readdir} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {keysOf} from '../../source/tui/input/keys.js';
import {commandFor, contexts, footerHints, helpSections, keymap, keysLabel, scopeCommand, type Context} from '../../source/tui/keymap.js';

/** The name the key reader gives the one key these bytes make. */
const keyName = (bytes: string) => keysOf(bytes)[0]?.name;

test('keys are named the way the table spells them', t => {
	t.is(keyName('\u001B[A'), 'up');
	t.is(keyName('\u001B[Z'), 'shift+tab');
	t.is(keyName('\u007F'), 'backspace', 'terminals send DEL for Backspace');
	t.is(keyName('\u0003'), 'ctrl+c');
	t.is(keyName('K'), 'K');
	t.is(keyName(' '), 'space');
});

test('each context finds its commands, and the same key means different things in different places', t => {
	t.is(commandFor('list', 'k'), 'up');
	t.is(commandFor('list', 'K'), 'kill');
	t.is(commandFor('list', 'x'), 'ssh');
	t.is(commandFor('operations', 'x'), 'dismiss');
	t.is(commandFor('confirm', 'n'), 'no');
	t.is(commandFor('list', 'n'), 'create');
	t.is(commandFor('form', 'j'), undefined, 'letters are typed into the form');
});

test('no key is bound twice within one context', t => {
	for (const [context, scopes] of Object.entries(contexts)) {
		const seen = new Map<string, string>();
		for (const [command, binding] of Object.entries(keymap)) {
			if (!(scopes as readonly string[]).includes(binding.scope)) continue;
			for (const key of binding.keys) {
				t.false(seen.has(key), `${context}: ${key} is both ${seen.get(key) ?? ''} and ${command}`);
				seen.set(key, command);
			}
		}
	}
});

test("the help lists every command once; the footer shows a context's marked ones", t => {
	const listed = helpSections('list').flatMap(section => section.lines.map(line => `${line.keys} ${line.label}`));
	t.is(listed.length, Object.keys(keymap).length);
	t.true(listed.includes(`${keysLabel('remove')} ${keymap.remove.description}`));
	t.is(helpSections('operations')[0]!.title, 'Moving');
	t.deepEqual(footerHints('confirm'), [
		{keys: 'y', label: 'yes'},
		{keys: 'n/Esc', label: 'no'},
	]);
	for (const context of Object.keys(contexts) as Context[]) t.true(footerHints(context).length > 0, context);
});

test('every key the reducer acts on is a command of the keymap, so ? lists it: picker digits, Backspace in the filter, text-box editing, Ctrl-C', async t => {
	t.is(commandFor('picker', '3'), 'chooseNumber');
	t.is(commandFor('picker', 'j'), 'pickerDown');
	t.is(commandFor('filter', 'backspace'), 'eraseFilter');
	t.is(scopeCommand('text', 'ctrl+u'), 'eraseToStart');
	t.is(scopeCommand('always', 'ctrl+c'), 'forceQuit');
	const help = helpSections('picker').flatMap(section => section.lines.map(line => line.keys));
	t.true(help.includes('1-9') && help.includes('Backspace') && help.includes('Del') && help.includes('Ctrl-C'), help.join(' '));

	// The state code reads keys only through the keymap: no key name is compared or looked up by hand.
	const root = path.join(import.meta.dirname, '../../source/tui');
	const files = (await readdir(root, {recursive: true})).filter(file => /^(reducers|screens)\/.*\.ts$|^input\/text-field\.ts$/.test(file));
	t.true(files.length > 8, files.join(' '));
	for (const file of files) {
		const text = await readFile(path.join(root, file), 'utf8');
		t.notRegex(text, /key\.name\s*[!=]==|switch \(key\.name\)|\.test\(key\.name\)|\[key\.name\]|\.includes\(key\.name\)/, file);
	}
});
