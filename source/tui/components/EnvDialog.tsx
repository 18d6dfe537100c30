import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {shellNames} from '../../format/env.js';
import type {EnvOverlay} from '../reducers/state.js';
import {useTheme} from '../theme.js';
import {Choice} from './Choice.js';
import {Dialog} from './Dialog.js';

export type EnvDialogProps = Readonly<Omit<EnvOverlay, 'kind'>> & {readonly inTmux: boolean};

/** The exports that were copied, shown so they can also be selected by hand. */
export function EnvDialog({machine, shell, text, error, report, inTmux}: EnvDialogProps) {
	const theme = useTheme();
	if (error) {
		return (
			<Dialog title={`No env for ${machine}`} tone='danger'>
				<Text>{error}</Text>
			</Dialog>
		);
	}

	// The shells beside the text: Tab or a letter picks another.
	const withShells = (children: ReactNode) => (
		<Box>
			<Box flexShrink={0} marginRight={2}>
				<Choice items={shellNames} highlighted={shellNames.indexOf(shell)} />
			</Box>
			<Box flexDirection='column' flexShrink={1}>
				{children}
			</Box>
		</Box>
	);

	if (!text || !report) {
		return <Dialog title={`Env for ${machine} (${shell})`}>{withShells(<Text color={theme.muted}>Checking the connection to {machine}…</Text>)}</Dialog>;
	}

	return (
		<Dialog title={`Env for ${machine} (${shell})`} tone='success'>
			{withShells(
				<>
					<Text>{text.trimEnd()}</Text>
					<Text color={theme.muted}>
						Copied with {report.methods.join(' and ')}.{report.problem ? ` ${report.problem}.` : ''}
						{inTmux ? ' In tmux, OSC 52 needs `set -g set-clipboard on`.' : ''} Tab: another shell.
					</Text>
				</>,
			)}
		</Dialog>
	);
}
