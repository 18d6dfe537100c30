import {Text} from 'ink';
import {OptionForm} from '../../components/OptionForm.js';
import {formCommandLine, formProblems} from '../../reducers/form.js';
import {useServices} from '../../services.js';
import {useTheme} from '../../theme.js';
import {fileProblem} from '../../check-file.js';
import type {ScreenViewProps} from '../view.js';
import type {SetScreen} from './screen.js';

/** The set form: the machine's CPUs, memory and disk as its record has them, to change. */
export function SetView({screen: {machine, step}, height}: ScreenViewProps<SetScreen>) {
	const theme = useTheme();
	const {engine} = useServices();
	if (step.name === 'loading') return <Text color={theme.muted}>Reading the size of {machine}…</Text>;
	const {form} = step;
	return (
		<OptionForm
			form={form}
			caret={step.caret}
			height={height}
			submitLabel='Resize'
			note={step.note}
			problems={formProblems(form, {checkFile: fileProblem, existingNames: []})}
			command={formCommandLine(form, [engine.program, 'set'], machine)}
			heading={
				<Text bold>
					Size of {machine} ({form.driver}) <Text color={theme.muted}>CPU and memory apply at the next start, or now with --restart</Text>
				</Text>
			}
		/>
	);
}
