import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import type {Tone} from '../reducers/state.js';
import {useTheme} from '../theme.js';

export function toneColor(theme: ReturnType<typeof useTheme>, tone: Tone): string | undefined {
	if (tone === 'danger') return theme.danger;
	if (tone === 'success') return theme.success;
	return theme.accent;
}

/** A bordered box with a title: questions, errors, text to select by hand. */
export function Dialog({title, tone = 'info', children}: {readonly title: string; readonly tone?: Tone; readonly children: ReactNode}) {
	const theme = useTheme();
	return (
		<Box flexDirection='column' borderStyle='round' borderColor={toneColor(theme, tone)} paddingX={1} flexShrink={0}>
			<Text bold color={toneColor(theme, tone)}>
				{title}
			</Text>
			{children}
		</Box>
	);
}
