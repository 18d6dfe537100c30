import {useEffect, useState} from 'react';

/**
 * Beats come at least this far apart. Rows counting seconds change each at its own moment (ten
 * containers started a fraction of a second apart are ten moments a second): one beat a second
 * draws every text that changed since, each at most a second late, as `docker ps` run then
 * would, instead of a frame per row.
 */
const beatSpacingMs = 1000;

/**
 * The time for text that counts from a moment (`Up 5 minutes`, `2m ago`): `since` (the time of
 * the newest data drawn) until a beat comes, when the caller's text would next read differently
 * (`nextChange(now)` ms later) and no sooner than a beat after the last one. The render never
 * reads the clock itself.
 */
export function useClock(since: number, nextChange: (now: number) => number): number {
	const [beat, setBeat] = useState(0);
	const now = Math.max(since, beat);
	const wait = Math.max(50, nextChange(now), beat + beatSpacingMs - now);
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
