import {Box, Text, useInput} from 'ink';
import SelectInput from 'ink-select-input';
import Spinner from 'ink-spinner';
import TextInput from 'ink-text-input';
import {useEffect, useState} from 'react';
import {createOptionSpecs, driverNames, errorMessage, loadDriverDefinition} from '../../engine/index.js';
import {fileProblem} from '../check-file.js';
import {useOperations} from '../hooks/useOperations.js';
import {commandFor, type Context} from '../keymap.js';
import {
	buildForm,
	commandLine,
	createRequest,
	formProblems,
	formReducer,
	formRows,
	nameSpec,
	rememberedValues,
	shownProblems,
	type FormAction,
	type FormRow,
	type FormState,
} from '../reducers/form.js';
import {scrollStart} from '../reducers/list.js';
import {useServices} from '../services.js';
import {useTheme} from '../theme.js';

type Phase =
	| {name: 'picker'}
	| {name: 'form'; form: FormState}
	| {name: 'progress'; operationId: number; machine: string; command: string};

export type CreateFormProps = {
	existingNames: readonly string[];
	height: number;
	/** Tells the app which keys apply now, for its footer. */
	onContext: (context: Context) => void;
	/** Back to the list; with the machine's name when it was created. */
	onClose: (created?: string) => void;
};

function DriverPicker({onChoose, onCancel}: {onChoose: (driver: string) => void; onCancel: () => void}) {
	const theme = useTheme();
	const {preferences} = useServices();
	const names = driverNames();
	const [descriptions, setDescriptions] = useState<Record<string, string>>({});
	const preferred = preferences.get('defaultDriver');
	const [highlighted, setHighlighted] = useState(preferred && names.includes(preferred) ? preferred : names[0]);
	useEffect(() => {
		let current = true;
		void Promise.all(names.map(async name => [name, (await loadDriverDefinition(name)).description] as const)).then(pairs => {
			if (current) setDescriptions(Object.fromEntries(pairs));
		});
		return () => {
			current = false;
		};
	}, []);
	useInput((input, key) => {
		if (commandFor('picker', input, key) === 'cancelPicker') onCancel();
	});
	return (
		<Box flexDirection='column'>
			<Text bold>Create a machine: which driver?</Text>
			<SelectInput
				items={names.map(name => ({label: name, value: name}))}
				initialIndex={Math.max(0, names.indexOf(highlighted ?? ''))}
				onHighlight={item => {
					setHighlighted(item.value);
				}}
				onSelect={item => {
					onChoose(item.value);
				}}
			/>
			<Box marginTop={1}>
				<Text color={theme.muted} wrap='wrap'>{descriptions[highlighted ?? ''] ?? ''}</Text>
			</Box>
		</Box>
	);
}

function rowLabel(row: FormRow, form: FormState): string {
	if (row.kind === 'fold') return `${form.showAdvanced ? '▾' : '▸'} Advanced options (${form.fields.filter(field => field.advanced).length})`;
	if (row.kind === 'submit') return '[ Create ]';
	const {spec} = row.field;
	return `${spec === nameSpec ? 'name' : `--${spec.name}`}${spec.required ? ' *' : ''}`;
}

function Form({form, existingNames, height, dispatch, onSubmit, onCancel}: {
	form: FormState;
	existingNames: readonly string[];
	height: number;
	dispatch: (action: FormAction) => void;
	onSubmit: () => void;
	onCancel: () => void;
}) {
	const theme = useTheme();
	const {engine} = useServices();
	const rows = formRows(form);
	const problems = shownProblems(form, formProblems(form, {checkFile: fileProblem, existingNames}));
	const focused = rows[form.focus];
	const onText = focused?.kind === 'field' && focused.field.spec.type !== 'bool';
	useInput((input, key) => {
		switch (commandFor('form', input, key)) {
			case 'nextField': {
				dispatch({type: 'move', by: 1});
				break;
			}

			case 'previousField': {
				dispatch({type: 'move', by: -1});
				break;
			}

			case 'toggle': {
				// On a text box the space is typed into it.
				if (!onText) dispatch({type: 'toggle'});
				break;
			}

			case 'enterField': {
				if (focused?.kind === 'submit') onSubmit();
				else if (focused?.kind === 'fold') dispatch({type: 'toggle'});
				else dispatch({type: 'move', by: 1});
				break;
			}

			case 'cancelForm': {
				onCancel();
				break;
			}
		}
	});

	const labelWidth = Math.min(34, Math.max(...rows.map(row => rowLabel(row, form).length)) + 3);
	const listHeight = Math.max(3, height - 6);
	const start = scrollStart(form.focus, rows.length, listHeight);
	return (
		<Box flexDirection='column'>
			<Text bold>Create a machine with the {form.driver} driver <Text color={theme.muted}>(* required)</Text></Text>
			{rows.slice(start, start + listHeight).map((row, offset) => {
				const index = start + offset;
				const isFocused = index === form.focus;
				const marker = <Box width={2} flexShrink={0}><Text color={theme.accent}>{isFocused ? '❯' : ' '}</Text></Box>;
				if (row.kind !== 'field') {
					return (
						<Box key={row.kind}>
							{marker}
							<Text bold={isFocused} color={row.kind === 'submit' ? theme.accent : theme.muted}>{rowLabel(row, form)}</Text>
						</Box>
					);
				}

				const {spec} = row.field;
				const value = form.values[spec.name]!;
				const problem = problems[spec.name];
				let input;
				if (typeof value === 'boolean') input = <Text>{value ? '[x]' : '[ ]'}</Text>;
				else if (isFocused) input = <TextInput value={value} onChange={text => dispatch({type: 'edit', name: spec.name, value: text})}/>;
				else input = <Text wrap='truncate-end'>{value || <Text color={theme.muted}>—</Text>}</Text>;
				return (
					<Box key={spec.name}>
						{marker}
						<Box width={labelWidth} flexShrink={0}>
							<Text bold={isFocused} color={problem ? theme.danger : undefined}>{rowLabel(row, form)}</Text>
						</Box>
						<Box flexShrink={1}>{input}</Box>
						{problem ? <Text wrap='truncate-end' color={theme.danger}>  {problem}</Text> : null}
					</Box>
				);
			})}
			<Box marginTop={1}>
				<Text color={theme.muted} wrap='truncate-end'>{focused?.kind === 'field' ? focused.field.spec.description : ' '}</Text>
			</Box>
			<Text wrap='wrap'>
				<Text color={theme.muted}>$ </Text>
				{commandLine(form, engine.program)}
			</Text>
		</Box>
	);
}

function Progress({operationId, machine, command, height, onClose}: {operationId: number; machine: string; command: string; height: number; onClose: (created?: string) => void}) {
	const theme = useTheme();
	const {runner} = useServices();
	const operation = useOperations(runner).find(candidate => candidate.id === operationId);
	useInput((input, key) => {
		if (commandFor('progress', input, key) === 'leaveProgress') onClose(operation?.state === 'done' ? machine : undefined);
	});
	const state = operation?.state ?? 'running';
	const headline = {
		running: <Text color={theme.busy}><Spinner type='dots'/> Creating {machine}…</Text>,
		done: <Text color={theme.success}>✔ {machine} created. Enter goes back to the list.</Text>,
		failed: <Text color={theme.danger}>✖ Creating {machine} failed: {operation?.error}</Text>,
	}[state];
	return (
		<Box flexDirection='column'>
			{headline}
			<Text wrap='wrap'>
				<Text color={theme.muted}>$ </Text>
				{command}
			</Text>
			<Box flexDirection='column' marginTop={1}>
				{(operation?.log ?? []).slice(-Math.max(1, height - 5)).map((line, index) => (
					<Text key={index} wrap='truncate-end'>{line}</Text>
				))}
			</Box>
		</Box>
	);
}

/**
 * Guided create: a driver, then a form generated from that driver's options and the shared
 * create flags, then the create running in the background with its log.
 */
export function CreateForm({existingNames, height, onContext, onClose}: CreateFormProps) {
	const theme = useTheme();
	const {engine, runner, preferences} = useServices();
	const [phase, setPhase] = useState<Phase>({name: 'picker'});
	const [problem, setProblem] = useState<string>();
	useEffect(() => {
		onContext(phase.name);
	}, [phase.name]);

	const choose = (driver: string) => {
		loadDriverDefinition(driver).then(
			definition => {
				setPhase({
					name: 'form',
					form: buildForm({driver, driverOptions: definition.options, sharedOptions: createOptionSpecs, env: engine.env, remembered: preferences.get('lastCreateOptions')[driver]}),
				});
			},
			(error: unknown) => {
				setProblem(errorMessage(error));
			},
		);
	};

	if (phase.name === 'picker') {
		return (
			<Box flexDirection='column'>
				<DriverPicker onChoose={choose} onCancel={() => onClose()}/>
				{problem ? <Text color={theme.danger}>{problem}</Text> : null}
			</Box>
		);
	}

	if (phase.name === 'progress') return <Progress {...phase} height={height} onClose={onClose}/>;

	const {form} = phase;
	const dispatch = (action: FormAction) => {
		setPhase(current => (current.name === 'form' ? {...current, form: formReducer(current.form, action)} : current));
	};

	const submit = () => {
		const problems = formProblems(form, {checkFile: fileProblem, existingNames});
		if (Object.keys(problems).length > 0) {
			dispatch({type: 'attempt', problems});
			return;
		}

		const request = createRequest(form);
		preferences.set('lastCreateOptions', {...preferences.get('lastCreateOptions'), [form.driver]: rememberedValues(form)});
		const operation = runner.create(request);
		setPhase({name: 'progress', operationId: operation.id, machine: request.name, command: commandLine(form, engine.program)});
	};

	return <Form form={form} existingNames={existingNames} height={height} dispatch={dispatch} onSubmit={submit} onCancel={() => onClose()}/>;
}
