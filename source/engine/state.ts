/**
 * Machine states, spelled as docker-machine prints them. `None` prints as an empty string;
 * `Timeout` is never a driver state, only what `ls`/`active` report for a host that did not
 * answer in time.
 */
export const machineStates = [
	'None',
	'Running',
	'Paused',
	'Saved',
	'Stopped',
	'Stopping',
	'Starting',
	'Creating',
	'Removing',
	'Provisioning',
	'Error',
	'Timeout',
] as const;

export type MachineState = (typeof machineStates)[number];

/** The text docker-machine prints for a state (`status`, `ls`). */
export function stateLabel(state: MachineState): string {
	return state === 'None' ? '' : state;
}

/** What `ls` shows for a machine whose lock a live process holds while its record is unfinished. */
export const busyStates = ['Creating', 'Removing', 'Provisioning'] as const satisfies readonly MachineState[];
export type BusyState = (typeof busyStates)[number];
