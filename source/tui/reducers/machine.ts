import {isLocalVmDriver} from '../../engine/index.js';
import type {ShellName} from '../../format/env.js';
import type {CommandName} from '../keymap.js';
import {operationVerbs} from '../labels.js';
import {containersScreen} from '../screens/containers/screen.js';
import {servicesScreen} from '../screens/services/screen.js';
import {busyWith, notify, same, type AppState, type AppView, type Effect, type MachineOperation, type Result, type SwarmOperation} from './state.js';

/**
 * The keys of the `machine` scope, the same on every screen that has them: they act on the
 * machine the screen shows, or on the list's selection.
 */

const operationCommands: Partial<Record<CommandName, MachineOperation>> = {
	start: 'start',
	stop: 'stop',
	restart: 'restart',
	kill: 'kill',
	provision: 'provision',
	regenerateCerts: 'regenerate-certs',
	remove: 'rm',
	swarmInit: 'swarm-init',
	swarmLeave: 'swarm-leave',
};

/** Destructive operations ask first, in docker-machine's words where it asked. */
const questions: Partial<Record<MachineOperation, (machine: string) => string>> = {
	kill: machine => `Kill ${machine}? It is powered off at once, without shutting down.`,
	'regenerate-certs': machine => `Regenerate the certificates of ${machine}? This restarts its Docker daemon, which may stop running containers.`,
	rm: machine => `About to remove ${machine}. This deletes both the local reference and the remote instance. Are you sure?`,
	'swarm-leave': machine => `Take ${machine} out of its swarm? Its tasks move to other nodes.`,
};

const swarmOperations = new Set<MachineOperation>(['swarm-init', 'swarm-join', 'swarm-leave']);

function isSwarmOperation(kind: MachineOperation): kind is SwarmOperation {
	return swarmOperations.has(kind);
}

/** Machines another can join: those whose SWARM column names a manager role. */
function managerNames(view: Pick<AppView, 'names' | 'swarm'>, machine: string): string[] {
	return view.names.filter(name => name !== machine && /\((leader|manager)\)$/.test(view.swarm(name)));
}

/** Says the machine is busy instead of starting a second operation on it; undefined when it is free. */
export function refuseBusy(state: AppState, view: AppView, machine: string): AppState | undefined {
	const busy = busyWith(view, machine);
	return busy ? notify(state, `${machine} is busy (${operationVerbs[busy.kind]}); wait for it, or see o`, 'danger') : undefined;
}

/** Opens the env dialog (again, for another shell) and asks for its text. */
export function openEnv(state: AppState, machine: string, shell: ShellName): Result {
	const dialog = state.dialog + 1;
	return {state: {...state, dialog, overlay: {kind: 'env', machine, shell}}, effects: [{type: 'copyEnv', machine, shell, request: dialog}]};
}

export function onMachine(state: AppState, command: CommandName, machine: string, view: AppView): Result {
	const kind = operationCommands[command];
	if (kind) {
		const busy = refuseBusy(state, view, machine);
		if (busy) return same(busy);
		const question = questions[kind];
		const run: Effect = isSwarmOperation(kind) ? {type: 'swarm', kind, machine} : {type: 'run', kind, machine};
		return question ? same({...state, overlay: {kind: 'confirm', question: question(machine), onYes: run}}) : {state, effects: [run]};
	}

	switch (command) {
		case 'ssh': {
			return {state: notify(state, `Connecting to ${machine}…`), effects: [{type: 'ssh', machine}]};
		}

		case 'copyEnv': {
			return openEnv(state, machine, view.envShell);
		}

		case 'dockerContext': {
			return {state: notify(state, `Writing a Docker context for ${machine}…`), effects: [{type: 'dockerContext', machine}]};
		}

		case 'swarmJoin': {
			const managers = managerNames(view, machine);
			if (managers.length === 0) return same(notify(state, 'No machine is a swarm manager yet: press i on one to init a swarm', 'danger'));
			return same({...state, overlay: {kind: 'managers', machine, managers, index: 0}});
		}

		case 'resize': {
			const driver = view.driverOf(machine);
			if (!isLocalVmDriver(driver)) return same(notify(state, `set is for local VMs (qemu, virtualbox): ${machine} uses the ${driver} driver`, 'danger'));
			const from = state.screen.name === 'details' ? 'details' : 'list';
			return {state: {...state, screen: {name: 'set', machine, from, step: {name: 'loading'}}}, effects: [{type: 'loadSize', machine, driver}]};
		}

		case 'cluster': {
			return same({...state, screen: {name: 'cluster', machine}});
		}

		case 'containers': {
			return same({...state, screen: containersScreen(machine, state.screen.name === 'details' ? 'details' : 'list')});
		}

		case 'services': {
			// A worker is known from its SWARM column; any other machine is asked, and the screen says why it has no services.
			if (view.swarm(machine).endsWith('(worker)'))
				return same(notify(state, `${machine} is not a swarm manager: it is a worker; press v on a manager of its swarm`, 'danger'));
			const from = state.screen.name === 'details' || state.screen.name === 'cluster' ? state.screen.name : 'list';
			return same({...state, screen: servicesScreen(machine, from)});
		}

		default: {
			return same(state);
		}
	}
}
