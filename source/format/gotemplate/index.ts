/**
 * The part of Go's text/template that people use with `docker-machine ls --format` and
 * `inspect --format`, over JSON-like data: actions with trim markers and comments, field chains,
 * variables, pipelines, parenthesised pipelines, literals, if/else if/else, range (with break and
 * continue), with, Go's built-in functions and docker's json/prettyjson/join/split/upper/lower/title.
 * {{define}}, {{template}} and {{block}} are not supported: a format is a single template.
 *
 * Values map to Go's as json.Unmarshal into interface{} would produce them, with one deliberate
 * difference: integral numbers below 1e21 behave as Go ints (so 1048576 prints as `1048576`, not
 * Go's float64 `1.048576e+06`) and the other numbers as float64. Numbers compare with each other
 * whatever their kind, `%d` takes integral numbers and `%f`/`%e`/`%g` take any number.
 *
 * A plain object is a map: a missing key yields `<no value>`. An object with `[strictFields]: true`
 * is a struct: reading a missing field is an error. null and undefined are both Go's nil, also
 * when a field chain runs through them (Go would fail on a nil interface in the middle of a chain).
 * Strings are UTF-8 byte sequences to `len`, `index` and `slice`, as in Go.
 */

import {builtins, shortCircuits} from './builtins.js';
import {Execution, type TemplateFunction} from './executor.js';
import {Parser} from './parser.js';
import {goQuote} from './strconv.js';

export {TemplateError} from './error.js';
export {strictFields} from './values.js';
export type {TemplateFunction} from './executor.js';

export type Template = {
	execute(data: unknown): string;
};

/** The conversion docker-machine's `ls --format` applies before parsing: `\t` and `\n` become a tab and a newline. */
export function unescapeFormat(format: string): string {
	return format.replaceAll(/\\([tn])/g, (_, letter: string) => (letter === 't' ? '\t' : '\n'));
}

export function parseTemplate(source: string, funcs: Readonly<Record<string, TemplateFunction>> = {}): Template {
	const custom = new Map<string, TemplateFunction>();
	for (const [name, fn] of Object.entries(funcs)) {
		if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name)) throw new TypeError(`function name ${goQuote(name)} is not a valid identifier`);
		if (typeof fn !== 'function') throw new TypeError(`value for ${name} is not a function`);
		custom.set(name, fn);
	}

	const root = new Parser(source, name => custom.has(name) || Object.hasOwn(builtins, name) || shortCircuits.has(name)).parse();
	return {
		execute: (data: unknown) => new Execution(source, custom, data).run(root),
	};
}
