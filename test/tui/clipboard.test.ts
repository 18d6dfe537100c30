import {chmod, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {copyToClipboard, nativeTools, osc52} from '../../source/tui/clipboard.js';
import {temporaryDir} from '../helpers/store.js';

test('OSC 52 carries the text base64-encoded to the terminal clipboard', t => {
	t.is(osc52('export A="1"\n'), '\u001B]52;c;ZXhwb3J0IEE9IjEiCg==\u0007');
});

test('a native clipboard tool is tried only where a desktop session exists', t => {
	t.deepEqual(nativeTools({}, 'linux'), []);
	t.deepEqual(
		nativeTools({DISPLAY: ':0'}, 'linux').map(tool => tool.command),
		['xclip', 'xsel'],
	);
	t.deepEqual(
		nativeTools({WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0'}, 'linux').map(tool => tool.command),
		['wl-copy', 'xclip', 'xsel'],
	);
	t.deepEqual(
		nativeTools({}, 'darwin').map(tool => tool.command),
		['pbcopy'],
	);
});

test('copying always sends OSC 52, and also feeds the first native tool on PATH, saying so', async t => {
	const bin = await temporaryDir(t);
	const received = path.join(bin, 'received');
	await writeFile(path.join(bin, 'xsel'), `#!/bin/sh\ncat > '${received}'\n`);
	await chmod(path.join(bin, 'xsel'), 0o755);

	const written: string[] = [];
	t.deepEqual(
		await copyToClipboard('hello', {write: data => written.push(data), env: {PATH: bin}, platform: 'linux'}),
		{methods: ['OSC 52']},
		'no display: no tool',
	);
	t.deepEqual(written, [osc52('hello')]);

	const report = await copyToClipboard('hello', {write: () => undefined, env: {PATH: bin, DISPLAY: ':0'}, platform: 'linux'});
	t.deepEqual(report, {methods: ['OSC 52', 'xsel']}, 'xclip is not there, xsel is');
	t.is(await readFile(received, 'utf8'), 'hello');

	const failing = await copyToClipboard('x', {
		write: () => undefined,
		env: {PATH: bin, DISPLAY: ':0'},
		platform: 'linux',
		async run() {
			throw new Error('boom');
		},
	});
	t.deepEqual(failing, {methods: ['OSC 52'], problem: 'xsel failed: boom'});
});
