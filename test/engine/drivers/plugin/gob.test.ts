import {execFile, spawn} from 'node:child_process';
import {promisify} from 'node:util';
import test from 'ava';
import {Decoder} from '../../../../source/engine/drivers/plugin/gob/decoder.js';
import {Encoder} from '../../../../source/engine/drivers/plugin/gob/encoder.js';
import {go, GobInterface} from '../../../../source/engine/drivers/plugin/gob/types.js';
import {goAvailable, goFixture} from '../../../helpers/go.js';
import {realTest} from '../../../helpers/real.js';

const exec = promisify(execFile);
const withGo = realTest(goAvailable());

const flagType = go.struct('Flag', {Name: go.string, Usage: go.string, EnvVar: go.string, Value: go.int});
const innerType = go.struct('Inner', {Label: go.string, Tags: go.sliceOf(go.string)});
const recordType = go.struct('Record', {
	Count: go.int,
	Small: go.int,
	Big: go.uint,
	Ratio: go.float,
	Ok: go.bool,
	Text: go.string,
	Raw: go.bytes,
	Counts: go.mapOf(go.string, go.int),
	Inner: innerType,
	Items: go.sliceOf(innerType),
	Any: go.interface,
	Anys: go.sliceOf(go.interface),
	Values: go.mapOf(go.string, go.interface),
	Missing: go.string,
});

const flag = (fields: Record<string, unknown>) => new GobInterface('*mcnflag.IntFlag', {Name: '', Usage: '', EnvVar: '', Value: 0, ...fields});
const text = new TextEncoder();
/** The first Record's scalar fields, the same in both directions. */
const scalars = {Count: 42, Small: -8, Big: 2n ** 63n, Ratio: -0.25, Ok: true, Text: 'text', Raw: text.encode('raw')};

/** Objects with their keys sorted, so maps decoded in Go's random order compare equal. */
function sorted(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(item => sorted(item));
	if (value instanceof GobInterface) return new GobInterface(value.name, sorted(value.value));
	if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
		return Object.fromEntries(
			Object.entries(value)
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([key, item]) => [key, sorted(item)]),
		);
	}

	return value;
}

withGo('decodes the values Go encodes: integers at every size, strings, bytes, maps, structs, interfaces by registered name', async t => {
	const binary = await goFixture('gobtable');
	const {stdout} = await exec(binary, [], {encoding: 'buffer'});
	const decoder = new Decoder();
	// In small pieces: a value split across reads waits for the rest.
	for (let offset = 0; offset < stdout.length; offset += 7) decoder.push(stdout.subarray(offset, offset + 7));
	const values = [...decoder.values()].map(value => sorted(value));
	t.deepEqual(values, [
		0,
		-1,
		127,
		128,
		-129,
		2 ** 40,
		-(2 ** 53) + 1,
		18_446_744_073_709_551_615n,
		'',
		'héllo, gob',
		Uint8Array.from([0, 1, 255]),
		true,
		3.5,
		{a: 1, b: -2},
		['x', '', 'z'],
		sorted({
			...scalars,
			Counts: {one: 1},
			Inner: {Label: 'in', Tags: ['t1']},
			Items: [
				{Label: 'a', Tags: []},
				{Label: '', Tags: ['b']},
			],
			Any: flag({Name: 'f', Usage: 'u', EnvVar: 'E', Value: 7}),
			Anys: [
				flag({Name: 'g'}),
				new GobInterface('string', 's'),
				new GobInterface('int', 5),
				new GobInterface('bool', true),
				new GobInterface('[]string', ['l']),
				null,
			],
			Values: {
				n: new GobInterface('int', 3),
				s: new GobInterface('string', 'v'),
				b: new GobInterface('bool', false),
				l: new GobInterface('[]string', ['p', 'q']),
			},
			Missing: '',
		}),
		sorted({
			Count: 0,
			Small: 0,
			Big: 0,
			Ratio: 0,
			Ok: false,
			Text: 'second, types already sent',
			Raw: new Uint8Array(),
			Counts: {},
			Inner: {Label: '', Tags: []},
			Items: [],
			Any: flag({Name: 'h', Value: -1}),
			Anys: [],
			Values: {},
			Missing: '',
		}),
	]);
});

withGo('Go decodes what the encoder writes: the same table, with types defined once on the stream', async t => {
	const binary = await goFixture('gobtable');
	const encoder = new Encoder();
	const flagValue = (fields: Record<string, unknown>) => new GobInterface('*mcnflag.IntFlag', fields, flagType);
	const stream = [
		encoder.encode(go.int, -129),
		encoder.encode(go.string, 'héllo, gob'),
		encoder.encode(go.bytes, Uint8Array.from([0, 1, 255])),
		encoder.encode(go.mapOf(go.string, go.int), {a: 1, b: -2}),
		encoder.encode(go.sliceOf(go.string), ['x', '', 'z']),
		encoder.encode(recordType, {
			...scalars,
			Counts: new Map([['one', 1]]),
			Inner: {Label: 'in', Tags: ['t1']},
			Items: [{Label: 'a'}, {Tags: ['b']}],
			Any: flagValue({Name: 'f', Usage: 'u', EnvVar: 'E', Value: 7}),
			Anys: [
				flagValue({Name: 'g'}),
				new GobInterface('string', 's', go.string),
				new GobInterface('int', 5, go.int),
				new GobInterface('bool', true, go.bool),
				new GobInterface('[]string', ['l'], go.sliceOf(go.string)),
				null,
			],
			Values: {n: new GobInterface('int', 3, go.int), l: new GobInterface('[]string', ['p', 'q'], go.sliceOf(go.string))},
		}),
		encoder.encode(recordType, {Text: 'second', Any: flagValue({Name: 'h', Value: -1})}),
		encoder.encode(go.uint, 18_446_744_073_709_551_615n),
		encoder.encode(go.float, -1.5e-7),
	];
	const child = spawn(binary, ['decode'], {stdio: ['pipe', 'pipe', 'pipe']});
	let output = '';
	let errors = '';
	child.stdout.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		errors += chunk.toString();
	});
	child.stdin.end(Buffer.concat(stream));
	const code = await new Promise(resolve => child.once('close', resolve));
	t.is(code, 0, errors);
	const emptyFlag = {Name: '', Usage: '', EnvVar: '', Value: 0};
	t.deepEqual(JSON.parse(output), [
		-129,
		'héllo, gob',
		Buffer.from([0, 1, 255]).toString('base64'),
		{a: 1, b: -2},
		['x', '', 'z'],
		{
			Count: 42,
			Small: -8,
			Big: 2 ** 63,
			Ratio: -0.25,
			Ok: true,
			Text: 'text',
			Raw: Buffer.from('raw').toString('base64'),
			Counts: {one: 1},
			Inner: {Label: 'in', Tags: ['t1']},
			Items: [
				{Label: 'a', Tags: null},
				{Label: '', Tags: ['b']},
			],
			Any: {Name: 'f', Usage: 'u', EnvVar: 'E', Value: 7},
			Anys: [{...emptyFlag, Name: 'g'}, 's', 5, true, ['l'], null],
			Values: {n: 3, l: ['p', 'q']},
			Missing: '',
		},
		{
			Count: 0,
			Small: 0,
			Big: 0,
			Ratio: 0,
			Ok: false,
			Text: 'second',
			Raw: null,
			Counts: null,
			Inner: {Label: '', Tags: null},
			Items: null,
			Any: {...emptyFlag, Name: 'h', Value: -1},
			Anys: null,
			Values: null,
			Missing: '',
		},
		2 ** 64,
		-1.5e-7,
	]);
});

test('an interface value without its Go type is refused, and the encoder stays usable', t => {
	const encoder = new Encoder();
	t.throws(() => encoder.encode(go.sliceOf(go.interface), [{Name: 'x'}]), {message: /registered name and Go type/});
	const decoder = new Decoder();
	decoder.push(encoder.encode(go.sliceOf(go.string), ['after']));
	t.deepEqual([...decoder.values()], [['after']]);
});

test('a stream that is not gob is an error, not a wait', t => {
	const decoder = new Decoder();
	decoder.push(Uint8Array.from([3, 0x7f, 0x01, 0x02]));
	t.throws(() => decoder.next(), {message: /^gob: /});
});
