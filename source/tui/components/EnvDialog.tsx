import {Text} from 'ink';
import type {EnvOverlay} from '../reducers/state.js';
import {useTheme} from '../theme.js';
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

	if (!text || !report) {
		return (
			<Dialog title={`Env for ${machine} (${shell})`}>
				<Text color={theme.muted}>Checking the connection to {machine}…</Text>
			</Dialog>
		);
	}

	return (
		<Dialog title={`Env for ${machine} (${shell})`} tone='success'>
			<Text>{text.trimEnd()}</Text>
			<Text color={theme.muted}>
				Copied with {report.methods.join(' and ')}.{report.problem ? ` ${report.problem}.` : ''}
				{inTmux ? ' In tmux, OSC 52 needs `set -g set-clipboard on`.' : ''} Tab: another shell.
			</Text>
		</Dialog>
	);
}
