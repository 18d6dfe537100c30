import {useEffect, useState} from 'react';

/**
 * The time for text that counts from a moment (`Up 5 minutes`, `2m ago`): `since` (the time of
 * the newest data drawn) until a beat comes, `nextChange(now)` ms later, when the caller's text
 * would next read differently. The render never reads the clock itself.
 */
export function useClock(since: number, nextChange: (now: number) => number): number {
	const [beat, setBeat] = useState(0);
	const now = Math.max(since, beat);
	const wait = Math.max(50, nextChange(now));
	useEffect(() => {
		const timer = setTimeout(() => {
			setBeat(Date.now());
		}, wait);
		return () => {
			clearTimeout(timer);
		};
	}, [wait, now]);
	return now;
}
