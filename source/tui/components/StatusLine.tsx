import {Box, Text} from 'ink';
import type {Toast} from '../reducers/state.js';
import {useTheme} from '../theme.js';
import {toneColor} from './Dialog.js';

/** The line above the footer: the filter being typed, else the latest toast. */
export function StatusLine({filter, filtering, toast}: {readonly filter: string; readonly filtering: boolean; readonly toast?: Toast}) {
	const theme = useTheme();
	let content = <Text> </Text>;
	if (filtering) {
		content = (
			<Text>
				<Text color={theme.accent}>/</Text>
				{filter}
				<Text inverse> </Text>
			</Text>
		);
	} else if (toast) {
		content = (
			<Text wrap='truncate-end' color={toneColor(theme, toast.tone)}>
				{toast.text}
			</Text>
		);
	} else if (filter) {
		content = <Text color={theme.muted}>filter: {filter} (/ to change, Esc to clear)</Text>;
	}

	return <Box flexShrink={0}>{content}</Box>;
}
