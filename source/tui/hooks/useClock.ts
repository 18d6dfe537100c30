import {useEffect, useState} from 'react';

/**
 * The time, moved on every `intervalMs` while the component is shown, for text that counts from a
 * moment (`Up 5 minutes`, `2m ago`): 0 until the first beat, so the render never reads the clock
 * itself; callers take the later of it and the time of their newest data.
 */
export function useClock(intervalMs: number): number {
	const [now, setNow] = useState(0);
	useEffect(() => {
		const timer = setInterval(() => {
			setNow(Date.now());
		}, intervalMs);
		return () => {
			clearInterval(timer);
		};
	}, [intervalMs]);
	return now;
}
