/**
 * A container's STATUS (`Up 5 minutes`, `Exited (0) 2 hours ago`) as it reads now: the daemon
 * writes it when it lists, counted from the container's start or exit, and the list names no
 * start time. The duration in it is read back to the least it can mean, and the time since the
 * list is added, so the text only moves forward and matches what `docker ps` would print then
 * (at worst behind by the rounding of the daemon's own words: under a minute for `5 minutes`).
 */

const second = 1;
const minute = 60;
const hour = 3600;

/** Docker's words for a duration (go-units HumanDuration), from whole seconds. */
export function humanDuration(seconds: number): string {
	if (seconds < 1) return 'Less than a second';
	if (seconds === 1) return '1 second';
	if (seconds < minute) return `${seconds} seconds`;
	const minutes = Math.floor(seconds / minute);
	if (minutes === 1) return 'About a minute';
	if (minutes < 60) return `${minutes} minutes`;
	const hours = Math.floor(seconds / hour + 0.5);
	if (hours === 1) return 'About an hour';
	if (hours < 48) return `${hours} hours`;
	if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
	if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
	if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
	return `${Math.floor(seconds / hour / 24 / 365)} years`;
}

const fixed: Record<string, number> = {'Less than a second': 0, '1 second': second, 'About a minute': minute, 'About an hour': hour};
/** The hours a rounded count of each unit starts at (HumanDuration rounds hours to the nearest). */
const roundedHours: Record<string, number> = {hours: 1, days: 24, weeks: 24 * 7, months: 24 * 30};

/** The fewest seconds HumanDuration turns into `text`, or undefined for text it does not make. */
export function leastSeconds(text: string): number | undefined {
	if (text in fixed) return fixed[text];
	const match = /^(\d+) (seconds|minutes|hours|days|weeks|months|years)$/.exec(text);
	if (!match) return undefined;
	const count = Number(match[1]);
	const unit = match[2]!;
	if (unit === 'seconds') return count;
	if (unit === 'minutes') return count * minute;
	if (unit === 'years') return count * 365 * 24 * hour;
	return Math.max(0, count * roundedHours[unit]! - 0.5) * hour;
}

const durationStatus = /^(Up |(?:Exited|Restarting) \(-?\d+\) )(.+?)( ago)?( \((?:Paused|healthy|unhealthy|health: starting)\))?$/;

/** `status` as the daemon would write it `elapsedMs` after it listed it; other text unchanged. */
export function statusAfter(status: string, elapsedMs: number): string {
	const match = durationStatus.exec(status);
	if (!match || elapsedMs <= 0) return status;
	const [, prefix, duration, ago = '', suffix = ''] = match;
	const least = leastSeconds(duration!);
	if (least === undefined) return status;
	return `${prefix}${humanDuration(Math.floor(least + elapsedMs / 1000))}${ago}${suffix}`;
}

/**
 * Milliseconds from `elapsedMs` after the list until `status` reads differently (the next whole
 * second, minute or hour of its duration), or undefined when it names none: a screen showing it
 * needs drawing again only then.
 */
export function statusChangesIn(status: string, elapsedMs: number): number | undefined {
	const duration = durationStatus.exec(status)?.[2];
	const least = duration === undefined ? undefined : leastSeconds(duration);
	if (least === undefined) return undefined;
	const seconds = least + Math.max(0, elapsedMs) / 1000;
	let next: number;
	if (seconds < minute) next = Math.floor(seconds) + 1;
	else if (seconds < hour) next = (Math.floor(seconds / minute) + 1) * minute;
	else next = (Math.floor(seconds / hour + 0.5) + 0.5) * hour;
	return Math.ceil((next - seconds) * 1000);
}
