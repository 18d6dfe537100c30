/**
 * Go's time.Duration.String for a duration in milliseconds ("1.5s", "12.345ms", "350µs"),
 * which `ls --format '{{.ResponseTime}}'` prints.
 */
export function goDuration(milliseconds: number): string {
	const nanoseconds = Math.round(milliseconds * 1e6);
	if (nanoseconds === 0) return '0s';
	const sign = nanoseconds < 0 ? '-' : '';
	const total = Math.abs(nanoseconds);
	const trim = (value: number, digits: number) => value.toFixed(digits).replace(/\.?0+$/, '');
	if (total < 1e3) return `${sign}${total}ns`;
	if (total < 1e6) return `${sign}${trim(total / 1e3, 3)}µs`;
	if (total < 1e9) return `${sign}${trim(total / 1e6, 6)}ms`;
	const hours = Math.floor(total / 3.6e12);
	const minutes = Math.floor((total % 3.6e12) / 6e10);
	const seconds = trim((total % 6e10) / 1e9, 9);
	if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
	if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
	return `${sign}${seconds}s`;
}
