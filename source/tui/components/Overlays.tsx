import {Text} from 'ink';
import type {ReactNode} from 'react';
import type {Overlay} from '../reducers/state.js';
import {Choice} from './Choice.js';
import {Dialog} from './Dialog.js';
import {EnvDialog} from './EnvDialog.js';
import {Help} from './Help.js';

/** What an overlay draws in place of the screen; undefined for a question, drawn below the screen. */
export function overlayBody(overlay: Overlay | undefined, size: {columns: number; height: number; inTmux: boolean}): ReactNode | undefined {
	switch (overlay?.kind) {
		case 'help': {
			return <Help context={overlay.from} width={size.columns} height={size.height} scroll={overlay.scroll} />;
		}

		case 'env': {
			return <EnvDialog {...overlay} inTmux={size.inTmux} />;
		}

		case 'managers': {
			return (
				<Dialog title={`Join ${overlay.machine} to the swarm of…`}>
					<Choice items={overlay.managers} highlighted={overlay.index} />
				</Dialog>
			);
		}

		case 'message': {
			return (
				<Dialog title={overlay.title} tone='danger'>
					<Text>{overlay.text}</Text>
				</Dialog>
			);
		}

		default: {
			return undefined;
		}
	}
}

/** A yes/no question, under the screen it is about. */
export function Question({question}: {readonly question: string}) {
	return (
		<Dialog title='Are you sure? (y/n)' tone='danger'>
			<Text>{question}</Text>
		</Dialog>
	);
}
