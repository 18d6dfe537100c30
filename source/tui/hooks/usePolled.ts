import {useCallback, useEffect, useSyncExternalStore} from 'react';
import type {QueryPoller, QuerySnapshot} from '../../engine/index.js';

/**
 * What an engine QueryPoller answers, drawn again whenever it reports. It asks while the
 * component is mounted; a new poller (another machine) replaces the old one. Make it with
 * `useMemo`, so a render does not start another.
 */
export function usePolled<T>(poller: QueryPoller<T>): QuerySnapshot<T> {
	useEffect(() => {
		poller.start();
		return () => {
			poller.stop();
		};
	}, [poller]);
	const subscribe = useCallback((listener: () => void) => poller.subscribe(listener), [poller]);
	return useSyncExternalStore(subscribe, () => poller.snapshot());
}
