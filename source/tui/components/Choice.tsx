import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import {useTheme} from '../theme.js';

function Indicator({isSelected = false}: {readonly isSelected?: boolean}) {
	const theme = useTheme();
	return (
		<Box marginRight={1}>
			<Text color={theme.accent}>{isSelected ? '❯' : ' '}</Text>
		</Box>
	);
}

function Item({isSelected = false, label}: {readonly isSelected?: boolean; readonly label: string}) {
	const theme = useTheme();
	return <Text color={isSelected ? theme.accent : undefined}>{label}</Text>;
}

/**
 * A list to pick from, drawn by ink-select-input as a view of the reducer's state. It never has
 * the focus: the app's one key reader takes every key (the select's own j/k and digits would
 * race it), and the highlighted row is the state's. The select keeps its cursor from when it
 * mounted, so a new highlighted row (or list) mounts it anew.
 */
export function Choice({items, highlighted}: {readonly items: readonly string[]; readonly highlighted: number}) {
	return (
		<SelectInput
			key={`${highlighted} ${items.join(' ')}`}
			isFocused={false}
			items={items.map(item => ({label: item, value: item}))}
			initialIndex={highlighted}
			indicatorComponent={Indicator}
			itemComponent={Item}
		/>
	);
}
