import {useEffect, useState} from 'react';
import type {MachineRow, StatusPoller} from '../../engine/index.js';

/**
 * The poller's rows, re-read whenever it reports, whether it has reported yet (an empty list
 * means "no machines" only then), and when they were read (the clock for the ages drawn from
 * them, as a render must not read the clock). The app starts and stops the poller.
 */
export function usePollerRows(poller: StatusPoller): {rows: MachineRow[]; loaded: boolean; at: number} {
	const [state, setState] = useState(() => ({rows: poller.rows(), loaded: false, at: Date.now()}));
	useEffect(
		() =>
			poller.subscribe(() => {
				setState({rows: poller.rows(), loaded: true, at: Date.now()});
			}),
		[poller],
	);
	return state;
}
