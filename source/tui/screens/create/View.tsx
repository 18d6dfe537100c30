import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import {useEffect, useState} from 'react';
import {loadDriverDefinition, type Operation} from '../../../engine/index.js';
import {fileProblem} from '../../check-file.js';
import {Choice} from '../../components/Choice.js';
import {LogTail} from '../../components/LogTail.js';
import {OptionForm} from '../../components/OptionForm.js';
import {commandLine, formProblems, type FormState} from '../../reducers/form.js';
import {useServices} from '../../services.js';
import {useTheme} from '../../theme.js';
import type {ScreenViewProps} from '../view.js';
import type {CreateScreen, CreateStep} from './screen.js';

/** The driver list; ↑↓/jk move (wrapping), Enter or a digit chooses. */
function DriverPicker({drivers, highlighted, problem}: {readonly drivers: readonly string[]; readonly highlighted: number; readonly problem?: string}) {
	const theme = useTheme();
	const {engine} = useServices();
	const [descriptions, setDescriptions] = useState<Record<string, string>>({});
	useEffect(() => {
		let current = true;
		// A plugin that cannot be asked is listed without a description; choosing it says why.
		const describe = async (name: string) =>
			loadDriverDefinition(name, engine.env).then(
				definition => definition.description,
				() => '',
			);
		void Promise.all(drivers.map(async name => [name, await describe(name)] as const)).then(pairs => {
			if (current) setDescriptions(Object.fromEntries(pairs));
		});
		return () => {
			current = false;
		};
	}, [drivers, engine.env]);
	return (
		<Box flexDirection='column'>
			<Text bold>Create a machine: which driver?</Text>
			<Choice items={drivers} highlighted={highlighted} />
			<Box marginTop={1}>
				<Text color={theme.muted} wrap='wrap'>
					{descriptions[drivers[highlighted] ?? ''] ?? ''}
				</Text>
			</Box>
			{problem ? <Text color={theme.danger}>{problem}</Text> : null}
		</Box>
	);
}

function Form({
	form,
	caret,
	existingNames,
	height,
}: {
	readonly form: FormState;
	readonly caret: number;
	readonly existingNames: readonly string[];
	readonly height: number;
}) {
	const theme = useTheme();
	const {engine} = useServices();
	return (
		<OptionForm
			form={form}
			caret={caret}
			height={height}
			submitLabel='Create'
			problems={formProblems(form, {checkFile: fileProblem, existingNames})}
			command={commandLine(form, engine.program)}
			heading={
				<Text bold>
					Create a machine with the {form.driver} driver <Text color={theme.muted}>(* required)</Text>
				</Text>
			}
		/>
	);
}

function Progress({
	operation,
	machine,
	command,
	height,
}: {
	readonly operation?: Operation;
	readonly machine: string;
	readonly command: string;
	readonly height: number;
}) {
	const theme = useTheme();
	const state = operation?.state ?? 'running';
	const headline = {
		running: (
			<Text color={theme.busy}>
				<Spinner type='dots' /> Creating {machine}…
			</Text>
		),
		done: <Text color={theme.success}>✔ {machine} created. Enter goes back to the list.</Text>,
		failed: (
			<Text color={theme.danger}>
				✖ Creating {machine} failed: {operation?.error}
			</Text>
		),
	}[state];
	return (
		<Box flexDirection='column'>
			{headline}
			<Text wrap='wrap'>
				<Text color={theme.muted}>$ </Text>
				{command}
			</Text>
			<Box flexDirection='column' marginTop={1}>
				<LogTail lines={operation?.log ?? []} count={height - 5} />
			</Box>
		</Box>
	);
}

export type CreateFormProps = {
	readonly step: CreateStep;
	readonly existingNames: readonly string[];
	readonly operations: readonly Operation[];
	readonly height: number;
};

/**
 * Guided create: a driver, then a form generated from that driver's options and the shared
 * create flags, then the create running in the background with its log. What step it is at,
 * and every key, is the app reducer's.
 */
export function CreateForm({step, existingNames, operations, height}: CreateFormProps) {
	switch (step.name) {
		case 'picker':
		case 'loading': {
			return <DriverPicker drivers={step.drivers} highlighted={step.highlighted} problem={step.name === 'picker' ? step.problem : undefined} />;
		}

		case 'form': {
			return <Form form={step.form} caret={step.caret} existingNames={existingNames} height={height} />;
		}

		case 'progress': {
			return (
				<Progress
					operation={operations.find(candidate => candidate.id === step.operationId)}
					machine={step.machine}
					command={step.command}
					height={height}
				/>
			);
		}
	}
}

export function CreateView({screen: {step}, height, seen}: ScreenViewProps<CreateScreen>) {
	return <CreateForm step={step} existingNames={seen.rows.map(row => row.name)} operations={seen.operations} height={height} />;
}
