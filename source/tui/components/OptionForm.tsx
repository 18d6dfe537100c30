import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {formRows, nameSpec, shownProblems, type FormRow, type FormState} from '../reducers/form.js';
import {scrollStart} from '../reducers/list.js';
import {useTheme} from '../theme.js';
import {TextField} from './TextField.js';

function rowLabel(row: FormRow, form: FormState, submitLabel: string): string {
	if (row.kind === 'fold') return `${form.showAdvanced ? '▾' : '▸'} Advanced options (${form.fields.filter(field => field.advanced).length})`;
	if (row.kind === 'submit') return `[ ${submitLabel} ]`;
	const {spec} = row.field;
	return `${spec === nameSpec ? 'name' : `--${spec.name}`}${spec.required ? ' *' : ''}`;
}

export type OptionFormProps = {
	readonly form: FormState;
	readonly caret: number;
	readonly height: number;
	/** The line above the fields. */
	readonly heading: ReactNode;
	/** The submit row's word: `Create`, `Resize`. */
	readonly submitLabel: string;
	/** Every field's problem now; those the user has seen fit to show are drawn. */
	readonly problems: Readonly<Record<string, string>>;
	/** The equivalent command line, drawn under the form. */
	readonly command: string;
	/** A line about the whole form (why a submit did nothing). */
	readonly note?: string;
};

/** A form of options (create's, set's): one row a field, the focused one's description, the command line. */
export function OptionForm({form, caret, height, heading, submitLabel, problems: all, command, note}: OptionFormProps) {
	const theme = useTheme();
	const rows = formRows(form);
	const problems = shownProblems(form, all);
	const focused = rows[form.focus];
	const labelWidth = Math.min(34, Math.max(...rows.map(row => rowLabel(row, form, submitLabel).length)) + 3);
	const listHeight = Math.max(3, height - 6);
	const start = scrollStart(form.focus, rows.length, listHeight);
	return (
		<Box flexDirection='column'>
			{heading}
			{rows.slice(start, start + listHeight).map((row, offset) => {
				const index = start + offset;
				const isFocused = index === form.focus;
				const marker = (
					<Box width={2} flexShrink={0}>
						<Text color={theme.accent}>{isFocused ? '❯' : ' '}</Text>
					</Box>
				);
				if (row.kind !== 'field') {
					return (
						<Box key={row.kind}>
							{marker}
							<Text bold={isFocused} color={row.kind === 'submit' ? theme.accent : theme.muted}>
								{rowLabel(row, form, submitLabel)}
							</Text>
						</Box>
					);
				}

				const {spec} = row.field;
				const value = form.values[spec.name]!;
				const problem = problems[spec.name];
				let input;
				if (typeof value === 'boolean') input = <Text>{value ? '[x]' : '[ ]'}</Text>;
				else if (isFocused) input = <TextField value={value} caret={caret} />;
				else input = <Text wrap='truncate-end'>{value || <Text color={theme.muted}>—</Text>}</Text>;
				return (
					<Box key={spec.name}>
						{marker}
						<Box width={labelWidth} flexShrink={0}>
							<Text bold={isFocused} color={problem ? theme.danger : undefined}>
								{rowLabel(row, form, submitLabel)}
							</Text>
						</Box>
						<Box flexShrink={1}>{input}</Box>
						{problem ? (
							<Text wrap='truncate-end' color={theme.danger}>
								{' '}
								{problem}
							</Text>
						) : null}
					</Box>
				);
			})}
			<Box marginTop={1}>
				<Text color={note ? theme.danger : theme.muted} wrap='truncate-end'>
					{note ?? (focused?.kind === 'field' ? focused.field.spec.description : ' ')}
				</Text>
			</Box>
			<Text wrap='wrap'>
				<Text color={theme.muted}>$ </Text>
				{command}
			</Text>
		</Box>
	);
}
