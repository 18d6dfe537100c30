import {isIP} from 'node:net';
import {
	type CreateRequest,
	errorMessage,
	isValidMachineName,
	type OptionSpec,
	type OptionValue,
	parseOptionText,
	resolveOptions,
	shellQuote,
} from '../../engine/index.js';

/**
 * The create form as pure functions: fields generated from option metadata (the driver's and
 * the shared create flags), typed text, validation, and what a submit sends to the engine and
 * prints as the equivalent command line. Values are kept as the text in the boxes (booleans as
 * ticks) and typed only when checked or sent.
 */
export type FieldValue = string | boolean;

export type FormField = {spec: OptionSpec; advanced: boolean};

export type FormRow = {kind: 'field'; field: FormField} | {kind: 'fold'} | {kind: 'submit'};

export type FormState = {
	driver: string;
	fields: FormField[];
	values: Record<string, FieldValue>;
	/** What the CLI would use if the flag were left out (env var or default), as form text. */
	baseline: Record<string, FieldValue>;
	/** Index into `formRows`. */
	focus: number;
	showAdvanced: boolean;
	/** Fields the user changed: their problems show while typing. */
	touched: Record<string, true>;
	/** A submit was tried: every problem shows. */
	attempted: boolean;
};

export const nameSpec: OptionSpec = {
	name: 'name',
	type: 'string',
	description: 'The machine name (letters, digits, dots and dashes)',
	required: 'a name is required',
	format: 'machine-name',
};

function toFieldValue(spec: OptionSpec, value: OptionValue | undefined): FieldValue {
	if (spec.type === 'bool') return value === true;
	if (Array.isArray(value)) return value.join(',');
	return value === undefined ? '' : String(value);
}

function baselineOf(spec: OptionSpec, env: NodeJS.ProcessEnv): FieldValue {
	try {
		return toFieldValue(spec, resolveOptions([spec], {}, env)[spec.name]);
	} catch {
		// An env var that does not parse: the form starts from the default and says nothing,
		// since the CLI would fail with its own message on that variable.
		return toFieldValue(spec, resolveOptions([spec], {}, {})[spec.name]);
	}
}

export type FormSetup = {
	driver: string;
	driverOptions: readonly OptionSpec[];
	sharedOptions: readonly OptionSpec[];
	env: NodeJS.ProcessEnv;
	/** Values used last time with this driver (preferences). */
	remembered?: Readonly<Record<string, OptionValue>>;
	/** Whether the form asks for a machine name first (create's does; set's is for one machine). */
	named?: boolean;
};

/** Name first, then required fields, then the other plain ones; advanced ones fold away. */
export function buildForm(setup: FormSetup): FormState {
	const all = [...setup.driverOptions, ...setup.sharedOptions.filter(spec => spec.name !== 'driver')];
	const required = all.filter(spec => spec.required);
	const plain = all.filter(spec => !spec.required && !spec.advanced);
	const advanced = all.filter(spec => !spec.required && spec.advanced);
	const fields: FormField[] = [
		...[...(setup.named === false ? [] : [nameSpec]), ...required, ...plain].map(spec => ({spec, advanced: false})),
		...advanced.map(spec => ({spec, advanced: true})),
	];
	const baseline: Record<string, FieldValue> = {};
	const values: Record<string, FieldValue> = {};
	for (const {spec} of fields) {
		baseline[spec.name] = spec === nameSpec ? '' : baselineOf(spec, setup.env);
		const remembered = setup.remembered?.[spec.name];
		values[spec.name] = remembered === undefined || spec === nameSpec ? baseline[spec.name]! : toFieldValue(spec, remembered);
	}

	return {driver: setup.driver, fields, values, baseline, focus: 0, showAdvanced: false, touched: {}, attempted: false};
}

export function formRows(state: FormState): FormRow[] {
	const rows: FormRow[] = state.fields.filter(field => !field.advanced).map(field => ({kind: 'field', field}));
	const advanced = state.fields.filter(field => field.advanced);
	if (advanced.length > 0) {
		rows.push({kind: 'fold'});
		if (state.showAdvanced) rows.push(...advanced.map(field => ({kind: 'field', field}) as const));
	}

	rows.push({kind: 'submit'});
	return rows;
}

export type FormAction =
	| {type: 'move'; by: number}
	| {type: 'edit'; name: string; value: string}
	/** Space or Enter on a tick box or the fold line. */
	| {type: 'toggle'}
	/** A submit was tried and these fields have problems: show them all, go to the first. */
	| {type: 'attempt'; problems: Readonly<Record<string, string>>};

export function formReducer(state: FormState, action: FormAction): FormState {
	const rows = formRows(state);
	switch (action.type) {
		case 'move': {
			return {...state, focus: Math.min(Math.max(state.focus + action.by, 0), rows.length - 1)};
		}

		case 'edit': {
			return {...state, values: {...state.values, [action.name]: action.value}, touched: {...state.touched, [action.name]: true}};
		}

		case 'toggle': {
			const row = rows[state.focus];
			if (row?.kind === 'fold') return {...state, showAdvanced: !state.showAdvanced};
			if (row?.kind !== 'field' || row.field.spec.type !== 'bool') return state;
			const {name} = row.field.spec;
			return {...state, values: {...state.values, [name]: state.values[name] !== true}, touched: {...state.touched, [name]: true}};
		}

		case 'attempt': {
			const first = state.fields.find(field => action.problems[field.spec.name] !== undefined);
			if (!first) return {...state, attempted: true};
			const opened = {...state, attempted: true, showAdvanced: state.showAdvanced || first.advanced};
			const focus = formRows(opened).findIndex(row => row.kind === 'field' && row.field === first);
			return {...opened, focus};
		}
	}
}

/** The typed value of a field's text; throws a MachinistError naming the flag when it does not parse. */
function typedValue(spec: OptionSpec, value: FieldValue): OptionValue {
	if (typeof value === 'boolean') return value;
	if (spec.type === 'string-list')
		return value
			.split(',')
			.map(item => item.trim())
			.filter(item => item !== '');
	if (spec.type === 'int') return parseOptionText(spec, value.trim(), `--${spec.name}`);
	return value;
}

export type CheckContext = {
	/** A problem with the file at this path (missing, a directory), or undefined. */
	checkFile: (file: string) => string | undefined;
	existingNames: readonly string[];
};

const hostNamePattern = /^(?=.{1,253}$)[a-zA-Z\d]([a-zA-Z\d-]{0,61}[a-zA-Z\d])?(\.[a-zA-Z\d]([a-zA-Z\d-]{0,61}[a-zA-Z\d])?)*\.?$/;

function formatProblem(spec: OptionSpec, typed: OptionValue, context: CheckContext): string | undefined {
	const text = String(typed);
	switch (spec.format) {
		case 'port': {
			return Number.isInteger(typed) && Number(typed) >= 1 && Number(typed) <= 65_535 ? undefined : 'a port is 1-65535';
		}

		case 'ip': {
			// Digits and dots only is meant as an IPv4 address, even where a host name would parse.
			const valid = isIP(text) !== 0 || (!/^[\d.]+$/.test(text) && hostNamePattern.test(text));
			return valid ? undefined : 'not an IP address or host name';
		}

		case 'file': {
			return context.checkFile(text);
		}

		default: {
			return undefined;
		}
	}
}

export function fieldProblem(spec: OptionSpec, value: FieldValue, context: CheckContext): string | undefined {
	if (typeof value === 'string' && value.trim() === '') return spec.required;
	if (spec === nameSpec) {
		const name = String(value);
		if (!isValidMachineName(name)) return 'use letters, digits, dots and dashes, starting with a letter or digit';
		return context.existingNames.includes(name) ? `a machine named ${name} exists already` : undefined;
	}

	let typed: OptionValue;
	try {
		typed = typedValue(spec, value);
	} catch (error) {
		return errorMessage(error);
	}

	return formatProblem(spec, typed, context) ?? spec.validate?.(typed);
}

export function formProblems(state: FormState, context: CheckContext): Record<string, string> {
	const problems: Record<string, string> = {};
	for (const {spec} of state.fields) {
		const problem = fieldProblem(spec, state.values[spec.name]!, context);
		if (problem) problems[spec.name] = problem;
	}

	return problems;
}

/** The problems to draw: all after a submit was tried, else those of fields being edited. */
export function shownProblems(state: FormState, problems: Readonly<Record<string, string>>): Record<string, string> {
	if (state.attempted) return {...problems};
	return Object.fromEntries(Object.entries(problems).filter(([name]) => state.touched[name]));
}

/** Fields whose value differs from what the CLI would use without the flag: the ones to send. */
function changedFields(state: FormState): FormField[] {
	return state.fields.filter(field => field.spec !== nameSpec && state.values[field.spec.name] !== state.baseline[field.spec.name]);
}

export function createRequest(state: FormState): CreateRequest {
	return {
		name: String(state.values.name),
		driverName: state.driver,
		given: Object.fromEntries(changedFields(state).map(({spec}) => [spec.name, typedValue(spec, state.values[spec.name]!)])),
	};
}

/** The values changed from the baseline, typed: what to remember for a driver, or what set sends. */
export function changedValues(state: FormState): Record<string, OptionValue> {
	return createRequest(state).given as Record<string, OptionValue>;
}

/** What to remember for this driver next time: the changed values, typed. */
export const rememberedValues = changedValues;

/** A word for a POSIX shell, quoted only when the shell would split or expand it. */
export function shellWord(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : shellQuote(word);
}

function flagWords(spec: OptionSpec, value: FieldValue): string[] {
	if (typeof value === 'boolean') return [value ? `--${spec.name}` : `--${spec.name}=false`];
	if (spec.type === 'string-list') return (typedValue(spec, value) as string[]).flatMap(item => [`--${spec.name}`, item]);
	return [`--${spec.name}`, value];
}

/** The command line that does what the form would, for scripts: `program command ... flags operand`. */
export function formCommandLine(state: FormState, before: readonly string[], operand: string): string {
	const words = [...before, ...changedFields(state).flatMap(({spec}) => flagWords(spec, state.values[spec.name]!)), operand];
	return words.map(word => shellWord(word)).join(' ');
}

/** The `create` command line that does what the form would. */
export function commandLine(state: FormState, program: string): string {
	return formCommandLine(state, [program, 'create', '-d', state.driver], String(state.values.name).trim() || 'NAME');
}
