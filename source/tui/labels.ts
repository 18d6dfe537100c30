import type {OperationKind} from '../engine/index.js';

/** What a row says while an operation runs on it. */
export const operationVerbs: Record<OperationKind, string> = {
	start: 'starting',
	stop: 'stopping',
	restart: 'restarting',
	kill: 'killing',
	provision: 'provisioning',
	'regenerate-certs': 'new certs',
	rm: 'removing',
	create: 'creating',
	'swarm-init': 'swarm init',
	'swarm-join': 'joining',
	'swarm-leave': 'leaving',
	set: 'resizing',
	'service-scale': 'scaling',
	'container-start': 'starting',
	'container-stop': 'stopping',
	'container-restart': 'restarting',
	'container-kill': 'killing',
	'container-pause': 'pausing',
	'container-unpause': 'unpausing',
	'container-remove': 'removing',
};

/** "12s", "3m", "2h": how long ago, for stale rows and operation lists. */
export function shortDuration(ms: number): string {
	const seconds = Math.max(0, Math.round(ms / 1000));
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
	return `${Math.floor(seconds / 3600)}h`;
}

/** Milliseconds until `shortDuration(ms)` reads differently: the next second, minute or hour. */
export function shortDurationChangesIn(ms: number): number {
	const unit = ms < 59_500 ? 1000 : ms < 3_599_500 ? 60_000 : 3_600_000;
	// shortDuration rounds to the second first: its next second starts at the half.
	const shifted = Math.max(0, ms) + 500;
	return unit - (shifted % unit);
}

export function gibibytes(bytes: number): string {
	return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** "2027-03-01 (in 412 days)" or "2024-01-01 (expired)". */
export function expiry(date: Date, now: number): string {
	const days = Math.floor((date.getTime() - now) / 86_400_000);
	const day = date.toISOString().slice(0, 10);
	return days < 0 ? `${day} (expired)` : `${day} (in ${days} days)`;
}
