import {Box, Text} from 'ink';
import {footerHints, type Context} from '../keymap.js';
import {useTheme} from '../theme.js';

/** The keys of the current context, from the keymap. */
export function Footer({context}: {readonly context: Context}) {
	const theme = useTheme();
	return (
		<Box flexShrink={0}>
			<Text wrap='truncate-end'>
				{footerHints(context).map((hint, index) => (
					<Text key={hint.keys + hint.label}>
						{index > 0 ? '  ' : ''}
						<Text bold color={theme.accent}>
							{hint.keys}
						</Text>
						<Text color={theme.muted}> {hint.label}</Text>
					</Text>
				))}
			</Text>
		</Box>
	);
}
