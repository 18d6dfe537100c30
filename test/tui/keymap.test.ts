import test from 'ava';
import type {Key} from 'ink';
import {commandFor, contexts, footerHints, helpSections, keyName, keymap, keysLabel, type Context} from '../../source/tui/keymap.js';

const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};

test('keys are named the way the table spells them', t => {
	t.is(keyName('', {...noKey, upArrow: true}), 'up');
	t.is(keyName('', {...noKey, tab: true, shift: true}), 'shift+tab');
	t.is(keyName('', {...noKey, delete: true}), 'backspace', 'terminals send DEL for Backspace');
	t.is(keyName('c', {...noKey, ctrl: true}), 'ctrl+c');
	t.is(keyName('K', {...noKey, shift: true}), 'K');
	t.is(keyName(' ', noKey), 'space');
});

test('each context finds its commands, and the same key means different things in different places', t => {
	t.is(commandFor('list', 'k', noKey), 'up');
	t.is(commandFor('list', 'K', {...noKey, shift: true}), 'kill');
	t.is(commandFor('list', 'x', noKey), 'ssh');
	t.is(commandFor('operations', 'x', noKey), 'dismiss');
	t.is(commandFor('confirm', 'n', noKey), 'no');
	t.is(commandFor('list', 'n', noKey), 'create');
	t.is(commandFor('form', 'j', noKey), undefined, 'letters are typed into the form');
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

test('the help lists every command once; the footer shows a context\'s marked ones', t => {
	const listed = helpSections('list').flatMap(section => section.lines.map(line => `${line.keys} ${line.label}`));
	t.is(listed.length, Object.keys(keymap).length);
	t.true(listed.includes(`${keysLabel('remove')} ${keymap.remove.description}`));
	t.is(helpSections('operations')[0]!.title, 'Moving');
	t.deepEqual(footerHints('confirm'), [{keys: 'y', label: 'yes'}, {keys: 'n/Esc', label: 'no'}]);
	for (const context of Object.keys(contexts) as Context[]) t.true(footerHints(context).length > 0, context);
});
