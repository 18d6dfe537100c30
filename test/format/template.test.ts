import test from 'ava';
import {parseTemplate, strictFields, TemplateError, unescapeFormat, type TemplateFunction} from '../../source/format/gotemplate/index.js';

// Unless a test says otherwise, expected outputs and messages are those of Go 1.19's
// text/template on the same template and data decoded from JSON (with integral numbers as ints).

function render(source: string, data?: unknown, funcs?: Record<string, TemplateFunction>): string {
	return parseTemplate(source, funcs).execute(data);
}

function parseError(source: string): string {
	const error = (() => {
		try {
			parseTemplate(source);
		} catch (error) {
			return error;
		}

		return undefined;
	})();
	if (!(error instanceof TemplateError)) throw new Error(`expected a TemplateError for ${JSON.stringify(source)}`);
	return error.message;
}

function executionError(source: string, data?: unknown, funcs?: Record<string, TemplateFunction>): string {
	const template = parseTemplate(source, funcs);
	const error = (() => {
		try {
			template.execute(data);
		} catch (error) {
			return error;
		}

		return undefined;
	})();
	if (!(error instanceof TemplateError)) throw new Error(`expected a TemplateError for ${JSON.stringify(source)}`);
	return error.message;
}

const host = {
	Name: 'p1',
	Driver: {IPAddress: '10.0.0.1', SSHPort: 22, Memory: 1_048_576, Ratio: 0.5, Tags: ['a', 'b', 'c'], Empty: [], Null: null},
	Labels: {zone: 'b', arch: 'amd64'},
	List: [1, 2, 3],
	Nested: [[1, 2], [3]],
	Html: 'x<y>&z',
	True: true,
	False: false,
	Zero: 0,
	Empty: '',
	Nil: null,
};

// Text and actions

test('copies text outside actions verbatim', t => {
	t.is(render('plain {text} with } and { braces\n'), 'plain {text} with } and { braces\n');
	t.is(render(''), '');
});

test('prints fields and field chains', t => {
	t.is(render('{{.Name}} {{.Driver.IPAddress}}:{{.Driver.SSHPort}}', host), 'p1 10.0.0.1:22');
	t.is(render('{{ .Name }}', host), 'p1');
});

test('prints dot and the root variable', t => {
	t.is(render('{{.}}', 'text'), 'text');
	t.is(render('{{with .Driver}}{{$.Name}}@{{.IPAddress}}{{end}}', host), 'p1@10.0.0.1');
});

test('trims spaces around actions with trim markers', t => {
	t.is(render('a  \n\t {{- .Name -}} \n  b', host), 'ap1b');
	t.is(render('a {{- .Name}} b', host), 'ap1 b');
	t.is(render('a {{.Name -}} b', host), 'a p1b');
});

test('reads "{{-3}}" as a negative number, not a trim marker', t => {
	t.is(render('x {{-3}}'), 'x -3');
	t.is(render('x {{- 3}}'), 'x3');
});

test('drops comments, trimming around them when asked', t => {
	t.is(render('a{{/* a comment {{ with braces }} */}}b'), 'ab');
	t.is(render('a  {{- /* comment */ -}}  b'), 'ab');
});

// Values

test('prints values as Go prints JSON-decoded data', t => {
	t.is(render('{{.Driver.Tags}}', host), '[a b c]');
	t.is(render('{{.Labels}}', host), 'map[arch:amd64 zone:b]');
	t.is(render('{{.Nested}}', host), '[[1 2] [3]]');
	t.is(render('{{.True}} {{.False}}', host), 'true false');
	t.is(render('{{.}}', [1, 'a', null, true]), '[1 a <nil> true]');
	t.is(render('{{.}}', {}), 'map[]');
});

test('prints integral numbers as ints and the others as Go float64s', t => {
	// Go would print 1.048576e+06 for the float64 that JSON decoding gives it: a deliberate fix.
	t.is(render('{{.Driver.Memory}}', host), '1048576');
	t.is(render('{{.Driver.Ratio}}', host), '0.5');
	t.is(render('{{.}}', 1_234_567.5), '1.2345675e+06');
	t.is(render('{{.}}', 0.000_012_345), '1.2345e-05');
	t.is(render('{{.}}', 1e21), '1e+21');
	t.is(render('{{.}}', -0), '0');
	t.is(render('{{.}}', Number.POSITIVE_INFINITY), '+Inf');
	t.is(render('{{.}}', Number.NaN), 'NaN');
});

test('prints <no value> for missing keys and nil values', t => {
	t.is(render('{{.Missing}}|{{.Nil}}|{{.Missing.Deeper}}|{{.Driver.Null}}', host), '<no value>|<no value>|<no value>|<no value>');
	t.is(render('{{.}}'), '<no value>');
	t.is(render('{{index .Labels "none"}}', host), '<no value>');
});

test('treats a null in the middle of a field chain as missing', t => {
	// Go fails with "nil pointer evaluating interface {}.X" here: a deliberate leniency.
	t.is(render('{{.Driver.Null.X}}', host), '<no value>');
});

test('does not reach properties inherited from the prototype', t => {
	t.is(render('{{.constructor}} {{.toString}} {{.__proto__}}', {}), '<no value> <no value> <no value>');
});

test('fails on a missing field of a struct-like object', t => {
	const row = {Name: 'p1', [strictFields]: true};
	t.is(render('{{.Name}}', row), 'p1');
	t.is(executionError('{{.Nmae}}', row), 'template: :1:2: executing "" at <.Nmae>: can\'t evaluate field Nmae in type struct');
	class HostListItem {
		readonly [strictFields] = true;
		readonly Name = 'p1';
	}

	t.is(
		executionError('x\n  {{.Driver.IP}}', new HostListItem()),
		'template: :2:11: executing "" at <.Driver.IP>: can\'t evaluate field Driver in type HostListItem',
	);
});

test('prints struct-like objects as Go prints structs', t => {
	t.is(render('{{.}}', {Name: 'p1', Port: 22, [strictFields]: true}), '{p1 22}');
});

test('fails on a field of a value that has none', t => {
	t.is(executionError('{{.Name.Foo}}', host), 'template: :1:7: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type string');
	t.is(executionError('{{.List.Foo}}', host), 'template: :1:7: executing "" at <.List.Foo>: can\'t evaluate field Foo in type []interface {}');
});

test('fails on arguments given to a field', t => {
	t.is(executionError('{{.Name 1}}', host), 'template: :1:2: executing "" at <.Name>: Name is not a method but has arguments');
	t.is(executionError('{{1 | .Name}}', host), 'template: :1:6: executing "" at <.Name>: Name is not a method but has arguments');
});

test('refuses to print a function value, and shows it as a bad verb inside others', t => {
	const data = {F: () => 1};
	t.is(executionError('{{.F}}', data), 'template: :1:2: executing "" at <{{.F}}>: can\'t print {{.F}} of type func');
	t.is(render('{{print .F}} {{printf "%d" .F}}', data), '%!v(func) %!d(func)');
	t.is(executionError('{{range .F}}{{end}}', data), 'template: :1:8: executing "" at <.F>: range can\'t iterate over %!v(func)');
});

// Literals

test('evaluates string literals with Go escapes', t => {
	t.is(render(String.raw`{{"a\tb\u00e9\x41\101\"\\"}}`), 'a\tbéAA"\\');
	t.is(render(String.raw`{{"\xc3\xa9"}}`), 'é');
	t.is(render(String.raw`{{"\U0001F600"}}`), '😀');
});

test('keeps raw strings verbatim except carriage returns', t => {
	t.is(render('{{`a\\n\r\nb`}}'), 'a\\n\nb');
});

test('evaluates number, character, boolean and nil literals', t => {
	t.is(render('{{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{1.5}} {{1e3}} {{.5}} {{0x1p4}}'), '31 15 15 5 1000 1.5 1000 0.5 16');
	t.is(render(String.raw`{{'a'}} {{'\n'}} {{'\x41'}} {{'é'}}`), '97 10 65 233');
	t.is(render('{{true}} {{false}}'), 'true false');
	t.is(render('{{print nil}}'), '<nil>');
});

// Variables

test('declares, reads and assigns variables', t => {
	t.is(render('{{$x := .Name}}{{$x}} {{$x = "q"}}{{$x}}', host), 'p1 q');
	t.is(render('{{$d := .Driver}}{{$d.IPAddress}}', host), '10.0.0.1');
});

test('scopes variables to their control structure', t => {
	t.is(parseError('{{if true}}{{$x := 1}}{{end}}{{$x}}'), 'template parsing error: template: :1: undefined variable "$x"');
	t.is(render('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}'), '2');
});

// Pipelines and functions

test('pipes a value into the last argument of the next command', t => {
	t.is(render('{{.Name | printf "%s-%s" "x" | printf "[%s]"}}', host), '[x-p1]');
	t.is(render('{{.Driver.SSHPort | printf "%s:%d" .Name}}', host), 'p1:22');
	t.is(render('{{.List | len}}', host), '3');
});

test('calls functions with arguments and parenthesised pipelines', t => {
	t.is(render('{{printf "%s-%d" .Name .Driver.SSHPort}}', host), 'p1-22');
	t.is(render('{{len (index .Nested 0)}}', host), '2');
	t.is(render('{{(index .Nested 0).Foo}}', {Nested: [{Foo: 'bar'}]}), 'bar');
	t.is(render('{{(.Driver).IPAddress}}', host), '10.0.0.1');
});

test('offers custom functions, which take precedence over built-ins', t => {
	const funcs = {
		double: (value: number) => value * 2,
		len: () => 'custom',
		fails() {
			throw new Error('no luck');
		},
	};
	t.is(render('{{double 21}} {{.Driver.SSHPort | double}} {{len 1}}', host, funcs), '42 44 custom');
	t.is(executionError('{{fails}}', undefined, funcs), 'template: :1:2: executing "" at <fails>: error calling fails: no luck');
});

test('rejects custom functions with bad names or values', t => {
	t.throws(() => parseTemplate('', {'bad-name': () => 1}), {instanceOf: TypeError, message: 'function name "bad-name" is not a valid identifier'});
	t.throws(() => parseTemplate('', {x: 1 as unknown as TemplateFunction}), {instanceOf: TypeError});
});

// Control structures

test('chooses branches of if, else if and else by Go truthiness', t => {
	t.is(render('{{if .True}}y{{else}}n{{end}}', host), 'y');
	t.is(render('{{if .False}}a{{else if .True}}b{{else}}c{{end}}', host), 'b');
	t.is(render('{{if .False}}a{{else if .Zero}}b{{else}}c{{end}}', host), 'c');
	const falsy = ['.False', '.Zero', '.Empty', '.Nil', '.Missing', '.Driver.Empty', '(index .Labels "none")'];
	t.is(render(falsy.map(value => `{{if ${value}}}T{{else}}F{{end}}`).join(''), host), 'FFFFFFF');
	t.is(render('{{if .}}T{{end}}{{if .List}}T{{end}}', {List: [0]}), 'TT');
	t.is(render('{{if .}}T{{else}}F{{end}}', {}), 'F');
	t.is(render('{{if .}}T{{end}}', {[strictFields]: true}), 'T');
});

test('ranges over arrays, rebinding dot to each element', t => {
	t.is(render('{{range .List}}[{{.}}]{{end}}', host), '[1][2][3]');
	t.is(render('{{range $i, $e := .Driver.Tags}}{{$i}}={{$e}} {{end}}', host), '0=a 1=b 2=c ');
	t.is(render('{{range $e := .List}}{{$e}}{{end}}', host), '123');
});

test('ranges over maps in sorted key order', t => {
	t.is(render('{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', {b: 2, a: 1, c: 3}), 'a=1;b=2;c=3;');
	t.is(render('{{range .}}{{.}}{{end}}', {b: 2, a: 1}), '12');
});

test('runs the else branch of range over nothing', t => {
	t.is(render('{{range .Driver.Empty}}x{{else}}empty{{end}}', host), 'empty');
	t.is(render('{{range .Nil}}x{{else}}nil{{end}}', host), 'nil');
	t.is(render('{{range .Missing}}x{{else}}missing{{end}}', host), 'missing');
	t.is(render('{{range .}}x{{else}}no keys{{end}}', {}), 'no keys');
});

test('stops or skips range iterations with break and continue', t => {
	t.is(render('{{range .List}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}', host), '1');
	t.is(render('{{range .List}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', host), '13');
	t.is(render('{{range .Nested}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}};{{end}}', host), '1;3;');
});

test('fails to range over a scalar', t => {
	t.is(executionError('{{range .Name}}x{{end}}', host), 'template: :1:8: executing "" at <.Name>: range can\'t iterate over p1');
});

test('rebinds dot in with, and runs its else branch on an empty value', t => {
	t.is(render('{{with .Driver}}{{.IPAddress}}{{end}}', host), '10.0.0.1');
	t.is(render('{{with .Missing}}x{{else}}none {{.Name}}{{end}}', host), 'none p1');
	t.is(render('{{with $x := .Name}}{{$x}}{{.}}{{end}}', host), 'p1p1');
});

// Built-in functions

test('short-circuits and and or, returning the deciding operand', t => {
	t.is(render('{{and 1 0 2}} {{and 1 2}} {{or 0 "" .Name}} {{or 0 ""}} {{not .True}}', host), '0 2 p1  false');
	t.is(render('{{and .False (index .Nil 1)}}', host), 'false');
	t.is(render('{{or .True (index .Nil 1)}}', host), 'true');
	t.is(render('{{.True | and 1}} {{0 | or 0}}', host), 'true 0');
});

test('compares basic values with eq, ne, lt, le, gt and ge', t => {
	t.is(
		render('{{eq 1 1}} {{eq .Name "x" "p1"}} {{ne 1 2}} {{lt 1 2}} {{lt "a" "b"}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}}', host),
		'true true true true true true true false',
	);
	t.is(render('{{eq .Missing "a"}} {{eq .Missing nil}} {{eq .Nil .Missing}}', host), 'false true true');
	// Go refuses to compare an int with a float64; numbers here are just numbers.
	t.is(render('{{eq 1 1.0}} {{lt 1 1.5}}'), 'true true');
});

test('reports comparisons Go refuses', t => {
	t.is(executionError('{{eq 1 "a"}}'), 'template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison');
	t.is(executionError('{{lt true false}}'), 'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison');
	t.is(
		executionError('{{eq .List .List}}', host),
		'template: :1:2: executing "" at <eq .List .List>: error calling eq: non-comparable type [%!s(int=1) %!s(int=2) %!s(int=3)]: []interface {}',
	);
	t.is(executionError('{{eq 1}}'), 'template: :1:2: executing "" at <eq 1>: error calling eq: missing argument for comparison');
});

test('measures lengths, counting strings in UTF-8 bytes like Go', t => {
	t.is(render('{{len .Name}} {{len "héllo"}} {{len .Labels}} {{len .List}}', host), '2 6 2 3');
	t.is(executionError('{{len 3}}'), 'template: :1:2: executing "" at <len 3>: error calling len: len of type int');
});

test('indexes arrays, maps and strings', t => {
	t.is(render('{{index .List 1}} {{index .Labels "zone"}} {{index .Nested 0 1}} {{index "abc" 1}}', host), '2 b 2 98');
	t.is(executionError('{{index .List 5}}', host), 'template: :1:2: executing "" at <index .List 5>: error calling index: index out of range: 5');
	t.is(executionError('{{index .Nil 1}}', host), 'template: :1:2: executing "" at <index .Nil 1>: error calling index: index of untyped nil');
	t.is(
		executionError('{{index .List "a"}}', host),
		'template: :1:2: executing "" at <index .List "a">: error calling index: cannot index slice/array with type string',
	);
	t.is(
		executionError('{{index .Labels 1}}', host),
		'template: :1:2: executing "" at <index .Labels 1>: error calling index: value has type int; should be string',
	);
});

test('slices arrays and strings', t => {
	t.is(render('{{slice .List 1}} {{slice .List 1 2}} {{slice .List 0 1 2}} {{slice "hello" 1 3}} {{slice "hello"}}', host), '[2 3] [2] [1] el hello');
	t.is(executionError('{{slice .List 2 1}}', host), 'template: :1:2: executing "" at <slice .List 2 1>: error calling slice: invalid slice index: 2 > 1');
	t.is(executionError('{{slice "abc" 0 1 2}}'), 'template: :1:2: executing "" at <slice "abc" 0 1 2>: error calling slice: cannot 3-index slice a string');
});

test('prints operands like fmt.Sprint and fmt.Sprintln', t => {
	t.is(render('{{print 1 2 "a" 3 "b" "c"}}|{{println 1 "a" .Nil}}|{{print}}', host), '1 2a3bc|1 a <nil>\n|');
});

test('formats with printf verbs, flags, widths and precisions', t => {
	t.is(render('{{printf "%d %s %v %q %t %f %%" 5 "s" .List "q" true 1.5}}', host), '5 s [1 2 3] "q" true 1.500000 %');
	t.is(
		render('{{printf "%-10s|%10s|%05d|%+d|% d|%x|%X|%#x|%o|%b" "ab" "cd" 42 42 42 255 255 255 8 5}}'),
		'ab        |        cd|00042|+42| 42|ff|FF|0xff|10|101',
	);
	t.is(
		render('{{printf "%.2f|%8.3f|%-8.2f|%08.2f|%+.1f|%e|%g|%.3g" 3.14159 2.5 2.5 -2.5 2 123456.789 1e21 1234.5678}}'),
		'3.14|   2.500|2.50    |-0002.50|+2.0|1.234568e+05|1e+21|1.23e+03',
	);
	t.is(render('{{printf "%.3s|%5.1q|%c|%q|%U|%T|%T" "abcdef" "xyz" 9731 65 65 .List .Nil}}', host), 'abc|  "x"|☃|\'A\'|U+0041|[]interface {}|<nil>');
	t.is(render('{{printf "%*d|%-*d|%.*f" 5 1 5 2 2 3.14159}}'), '    1|2    |3.14');
});

test('rounds printf floats half to even on the exact binary value, as Go does', t => {
	t.is(render('{{printf "%.0f %.0f %.0f %.1f %.2f %.2f" 0.5 1.5 2.5 0.25 1.005 2.675}}'), '0 2 2 0.2 1.00 2.67');
});

test('reports printf misuse inline like Go', t => {
	t.is(
		render('{{printf "%d" "x"}}|{{printf "%s" 5}}|{{printf "%d %d" 1}}|{{printf "%d" 1 2 "x"}}|{{printf "%"}}|{{printf "%!"}}'),
		'%!d(string=x)|%!s(int=5)|1 %!d(MISSING)|1%!(EXTRA int=2, string=x)|%!(NOVERB)|%!!(MISSING)',
	);
	t.is(render('{{printf "%d" 1.5}}|{{printf "%s" .Nil}}|{{printf "%5v|" .List}}', host), '%!d(float64=1.5)|%!s(<nil>)|[    1     2     3]|');
});

test('encodes JSON like Go, escaping HTML characters and keeping key order', t => {
	t.is(
		render('{{json .}}', {b: 1, a: [1, 2.5, 'x<y>&\u2028'], c: null, d: {}}),
		String.raw`{"b":1,"a":[1,2.5,"x\u003cy\u003e\u0026\u2028"],"c":null,"d":{}}`,
	);
	t.is(render('{{json .Missing}} {{.Name | json}}', host), 'null "p1"');
	t.is(render('{{json .}}', '\u0001\b\t\n'), String.raw`"\u0001\u0008\t\n"`);
	t.is(
		render('{{prettyjson .}}', {a: {b: [1, {c: []}], d: {}}}),
		'{\n    "a": {\n        "b": [\n            1,\n            {\n                "c": []\n            }\n        ],\n        "d": {}\n    }\n}',
	);
});

test('refuses to encode cycles and non-finite numbers to JSON', t => {
	const cyclic: Record<string, unknown> = {};
	cyclic.self = cyclic;
	t.is(
		executionError('{{json .}}', cyclic),
		'template: :1:2: executing "" at <json .>: error calling json: json: unsupported value: encountered a cycle via map[string]interface {}',
	);
	t.is(executionError('{{json .}}', Number.NaN), 'template: :1:2: executing "" at <json .>: error calling json: json: unsupported value: NaN');
});

test("joins, splits and changes case like docker's template functions", t => {
	t.is(render('{{join .Driver.Tags ","}} {{join .List "-"}} {{join .Nil ","}}', host), 'a,b,c 1-2-3 ');
	t.is(render('{{split "a,b,c" ","}} {{split "héllo" ""}} {{upper .Name}} {{lower "ABC"}}', host), '[a b c] [h é l l o] P1 abc');
	t.is(render('{{title "hello wORLD foo_bar x-y élan"}}'), 'Hello WORLD Foo_bar X-Y Élan');
});

test('checks string parameters before calling a function', t => {
	t.is(executionError('{{upper 3}}'), 'template: :1:8: executing "" at <3>: expected string; found 3');
	t.is(executionError('{{upper .Missing}}', host), 'template: :1:8: executing "" at <.Missing>: invalid value; expected string');
	t.is(
		executionError('{{printf .Driver.SSHPort}}', host),
		'template: :1:16: executing "" at <.Driver.SSHPort>: wrong type for value; expected string; got int',
	);
	t.is(
		executionError('{{join "a" ","}}'),
		'template: :1:2: executing "" at <join "a" ",">: error calling join: wrong type for value; expected []string; got string',
	);
});

test('checks the number of arguments of built-in functions', t => {
	t.is(executionError('{{len 1 2}}'), 'template: :1:2: executing "" at <len>: wrong number of args for len: want 1 got 2');
	t.is(executionError('{{printf}}'), 'template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0');
	t.is(executionError('{{and}}'), 'template: :1:2: executing "" at <and>: wrong number of args for and: want at least 1 got 0');
});

// Parse errors

test('reports an unclosed action', t => {
	t.is(parseError('{{.Name'), 'template parsing error: template: :1: unclosed action');
	t.is(parseError('{{.Name\n\n'), 'template parsing error: template: :3: unclosed action started at :1');
	t.is(parseError('{{.Name }'), 'template parsing error: template: :1: unexpected "}" in operand');
	t.is(parseError('{{.Name}'), "template parsing error: template: :1: bad character U+007D '}'");
});

test('reports an unknown function', t => {
	t.is(parseError('{{foo}}'), 'template parsing error: template: :1: function "foo" not defined');
	t.is(parseError('{{.Name | foo "x}}'), 'template parsing error: template: :1: function "foo" not defined');
});

test('reports end and else without a block, and blocks without end', t => {
	t.is(parseError('{{end}}'), 'template parsing error: template: :1: unexpected {{end}}');
	t.is(parseError('{{else}}'), 'template parsing error: template: :1: unexpected {{else}}');
	t.is(parseError('{{if .X}}abc'), 'template parsing error: template: :1: unexpected EOF');
	t.is(parseError('{{if .X}}a{{else}}b{{else}}c{{end}}'), 'template parsing error: template: :1: expected end; found {{else}}');
	t.is(parseError('{{with .X}}a{{else if .Y}}b{{end}}'), 'template parsing error: template: :1: unexpected <if> in input');
});

test('reports malformed literals', t => {
	t.is(parseError('{{"unterminated}}'), 'template parsing error: template: :1: unterminated quoted string');
	t.is(parseError('{{`unterminated}}'), 'template parsing error: template: :1: unterminated raw quoted string');
	t.is(parseError(String.raw`{{"bad \q"}}`), 'template parsing error: template: :1: invalid syntax');
	t.is(parseError("{{'ab'}}"), "template parsing error: template: :1: malformed character constant: 'ab'");
	t.is(parseError('{{3abc}}'), 'template parsing error: template: :1: bad number syntax: "3a"');
	t.is(parseError('{{1_}}'), 'template parsing error: template: :1: illegal number syntax: "1_"');
	t.is(parseError('{{1+2i}}'), 'template parsing error: template: :1: complex constant 1+2i is not supported');
});

test('reports malformed pipelines', t => {
	t.is(parseError('{{}}'), 'template parsing error: template: :1: missing value for command');
	t.is(parseError('{{if}}{{end}}'), 'template parsing error: template: :1: missing value for if');
	t.is(parseError('{{.Name | 3}}'), 'template parsing error: template: :1: non executable command in pipeline stage 2');
	t.is(parseError('{{(1}}'), 'template parsing error: template: :1: unclosed left paren');
	t.is(parseError('{{1)}}'), 'template parsing error: template: :1: unexpected ")" in command');
	t.is(parseError('{{"x".Foo}}'), String.raw`template parsing error: template: :1: unexpected . after term "\"x\""`);
	t.is(parseError('{{$x}}'), 'template parsing error: template: :1: undefined variable "$x"');
	t.is(parseError('{{range $a, $b, $c := .}}{{end}}'), 'template parsing error: template: :1: too many declarations in range');
	t.is(parseError('{{a:b}}'), 'template parsing error: template: :1: function "a" not defined');
	t.is(parseError('{{€}}'), "template parsing error: template: :1: unrecognized character in action: U+20AC '€'");
});

test('reports break and continue outside range', t => {
	t.is(parseError('{{break}}'), 'template parsing error: template: :1: {{break}} outside {{range}}');
	t.is(parseError('{{range .}}{{else}}{{continue}}{{end}}'), 'template parsing error: template: :1: {{continue}} outside {{range}}');
});

test('reports comment errors', t => {
	t.is(parseError('{{/* unclosed'), 'template parsing error: template: :1: unclosed comment');
	t.is(parseError('{{/* c */ }}'), 'template parsing error: template: :1: comment ends before closing delimiter');
});

test('refuses define, template and block, which need several templates', t => {
	t.is(parseError('{{define "x"}}{{end}}'), 'template parsing error: template: :1: {{define}} is not supported');
	t.is(parseError('{{template "x"}}'), 'template parsing error: template: :1: {{template}} is not supported');
});

test('reports the line of a parse error', t => {
	t.is(parseError('line 1\nline 2 {{.A}}\n{{foo}}'), 'template parsing error: template: :3: function "foo" not defined');
});

// Hostile input

test('rejects absurd nesting instead of exhausting the stack', t => {
	t.is(parseError(`{{${'('.repeat(10_000)}1${')'.repeat(10_000)}}}`), 'template parsing error: template: :1: exceeded maximum nesting depth of 200');
	t.is(parseError('{{if 1}}'.repeat(10_000)), 'template parsing error: template: :1: exceeded maximum nesting depth of 200');
	t.is(render(`{{${'('.repeat(150)}1${')'.repeat(150)}}}`), '1');
});

test('survives long pipelines and large inputs', t => {
	t.is(render(`{{1${' | print'.repeat(10_000)}}}`), '1');
	const text = 'x'.repeat(1_000_000);
	t.is(render(`${text}{{.}}`, 'y').length, 1_000_001);
});

test('handles huge printf widths as Go does', t => {
	t.is(render('{{printf "%*d" 10000000 1}}'), '%!(BADWIDTH)1');
	t.is(render('{{printf "%99999999d" 1}}'), '%!(NOVERB)%!(EXTRA int=1)');
});

test('keeps separate executions independent', t => {
	const template = parseTemplate('{{$x := .}}{{range .}}{{$x = .}}{{end}}{{$x}}');
	t.is(template.execute([1, 2]), '2');
	t.is(template.execute([3]), '3');
	t.is(template.execute([]), '[]');
});

// Helpers

test(String.raw`unescapes the \t and \n sequences of ls formats, and nothing else`, t => {
	t.is(unescapeFormat(String.raw`{{.Name}}\t{{.URL}}\n`), '{{.Name}}\t{{.URL}}\n');
	t.is(unescapeFormat(String.raw`a\\tb \r \x`), 'a\\\tb \\r \\x');
});
