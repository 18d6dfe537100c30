import test from 'ava';
import {renderList} from '../../source/format/list.js';
import {strictFields, TemplateError} from '../../source/format/gotemplate/index.js';

const titles = {
	Name: 'NAME',
	Active: 'ACTIVE',
	ActiveHost: 'ACTIVE_HOST',
	ActiveSwarm: 'ACTIVE_SWARM',
	DriverName: 'DRIVER',
	State: 'STATE',
	URL: 'URL',
	SwarmOptions: 'SWARM_OPTIONS',
	Swarm: 'SWARM',
	EngineOptions: 'ENGINE_OPTIONS',
	Error: 'ERRORS',
	DockerVersion: 'DOCKER',
	ResponseTime: 'RESPONSE',
};

const rows = [
	{Name: 'p1', Active: '-', DriverName: 'none', State: 'Running', URL: 'tcp://127.0.0.1:23760', Swarm: '', DockerVersion: 'v20.10.24+dfsg1', Error: ''},
	{Name: 'sysd1', Active: '-', DriverName: 'generic', State: 'Running', URL: 'tcp://10.200.1.2:2376', Swarm: '', DockerVersion: 'v20.10.24+dfsg1', Error: ''},
];

// docker-machine's default `ls` format, as typed on a command line: `\t` is two characters.
const defaultFormat = String.raw`table {{ .Name }}\t{{ .Active }}\t{{ .DriverName}}\t{{ .State }}\t{{ .URL }}\t{{ .Swarm }}\t{{ .DockerVersion }}\t{{ .Error}}`;

const defaultTable = [
	'NAME    ACTIVE   DRIVER    STATE     URL                     SWARM   DOCKER            ERRORS\n',
	'p1      -        none      Running   tcp://127.0.0.1:23760           v20.10.24+dfsg1   \n',
	'sysd1   -        generic   Running   tcp://10.200.1.2:2376           v20.10.24+dfsg1   \n',
].join('');

test('renders the default ls table exactly as docker-machine 0.16.2', t => {
	t.is(renderList(defaultFormat, rows, titles), defaultTable);
});

test('renders a custom table exactly as docker-machine 0.16.2', t => {
	t.is(
		renderList(String.raw`table {{.Name}}\t{{.DriverName}}\t{{.DockerVersion}}`, rows, titles),
		'NAME    DRIVER    DOCKER\np1      none      v20.10.24+dfsg1\nsysd1   generic   v20.10.24+dfsg1\n',
	);
});

test('prints a plain format once per row, without header or alignment', t => {
	t.is(renderList('{{.Name}}: {{.URL}} {{.State}}', rows, titles), 'p1: tcp://127.0.0.1:23760 Running\nsysd1: tcp://10.200.1.2:2376 Running\n');
	t.is(renderList(String.raw`{{.Name}}\t{{.State}}`, rows, titles), 'p1\tRunning\nsysd1\tRunning\n');
});

test('uses the default table format for an empty format or a bare table', t => {
	t.is(renderList('', rows, titles, {defaultTableFormat: defaultFormat}), defaultTable);
	t.is(renderList('table', rows, titles, {defaultTableFormat: defaultFormat}), defaultTable);
	t.is(renderList('table   ', rows, titles, {defaultTableFormat: defaultFormat}), defaultTable);
	t.is(renderList('table', rows, titles, {defaultTableFormat: defaultFormat.replace(/^table /, '')}), defaultTable);
});

test('prints an empty line per row for an empty format without a default', t => {
	t.is(renderList('table', rows, titles), '\n\n\n');
	t.is(renderList('', rows, titles), '\n\n');
});

test('needs the word table, not just its letters', t => {
	t.is(renderList('tableau {{.Name}}', rows, titles), 'tableau p1\ntableau sysd1\n');
	t.is(renderList('table{{.Name}}', rows, titles), 'tablep1\ntablesysd1\n');
});

test('trims spaces around the format but keeps escaped tabs and newlines', t => {
	t.is(renderList('  {{.Name}}  ', rows, titles), 'p1\nsysd1\n');
	t.is(renderList(String.raw`{{.Name}}\n`, rows, titles), 'p1\n\nsysd1\n\n');
	t.is(renderList(String.raw`table   {{.Name}}\t{{.State}}   `, rows, titles), 'NAME    STATE\np1      Running\nsysd1   Running\n');
});

test('prints <no value> in the header for a field without a title', t => {
	t.is(renderList(String.raw`table {{.Name}}\t{{.Custom}}`, [{Name: 'p1', Custom: 'x'}], titles), 'NAME   <no value>\np1     x\n');
});

test('renders only the header when there are no rows', t => {
	t.is(renderList(String.raw`table {{.Name}}\t{{.State}}`, [], titles), 'NAME   STATE\n');
	t.is(renderList('{{.Name}}', [], titles), '');
});

test('applies template functions to rows and header alike', t => {
	t.is(renderList(String.raw`table {{.Name | lower}}\t{{len .Name}}`, rows, titles), 'name    4\np1      2\nsysd1   5\n');
});

test('reports a bad format as a template parsing error', t => {
	// Like docker-machine, the format is parsed with the newline that ends each row.
	t.throws(() => renderList('table {{.Name', rows, titles), {
		instanceOf: TemplateError,
		message: 'template parsing error: template: :2: unclosed action started at :1',
	});
	t.throws(() => renderList('{{nope .Name}}', rows, titles), {
		instanceOf: TemplateError,
		message: 'template parsing error: template: :1: function "nope" not defined',
	});
});

test('reports a field missing from struct-like rows', t => {
	const strictRows = rows.map(row => ({...row, [strictFields]: true}));
	t.throws(() => renderList('{{.Nmae}}', strictRows, titles), {
		instanceOf: TemplateError,
		message: 'template: :1:2: executing "" at <.Nmae>: can\'t evaluate field Nmae in type struct',
	});
});
