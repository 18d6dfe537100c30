import {useEffect, useState} from 'react';
import type {MachineRow, StatusPoller} from '../../engine/index.js';

/**
 * The poller's rows, re-read whenever it reports, and whether it has reported yet (an empty
 * list means "no machines" only then). The app starts and stops the poller.
 */
export function usePollerRows(poller: StatusPoller): {rows: MachineRow[]; loaded: boolean} {
	const [state, setState] = useState(() => ({rows: poller.rows(), loaded: false}));
	useEffect(
		() =>
			poller.subscribe(() => {
				setState({rows: poller.rows(), loaded: true});
			}),
		[poller],
	);
	return state;
}
