import {createContext, useContext} from 'react';
import {type Engine, OperationRunner, type PollerOptions, type Preferences, StatusPoller} from '../engine/index.js';
import type {CopyReport} from './clipboard.js';
import {ContainerFeed, LogFeed} from './containers.js';
import {ServiceFeed} from './swarm-services.js';

/** The part of conf the app uses, so tests can pass a plain object. */
export type PreferenceStore = {
	get<Key extends keyof Preferences>(key: Key): Preferences[Key];
	set<Key extends keyof Preferences>(key: Key, value: Preferences[Key]): void;
};

/** What the terminal does for the app: put text on the clipboard, and lend itself to a program. */
export type TerminalServices = {
	copy(text: string): Promise<CopyReport>;
	/** Runs a program (ssh) on the terminal with the app suspended; resolves with its exit code. */
	handOff(program: string, args: readonly string[]): Promise<number>;
};

/** The engine objects one app shares: one poller, one operation runner. */
export type Services = TerminalServices & {
	engine: Engine;
	poller: StatusPoller;
	runner: OperationRunner;
	preferences: PreferenceStore;
	containers: ContainerFeed;
	logs: LogFeed;
	swarmServices: ServiceFeed;
};

/**
 * Machines being changed are polled at the fast beat, and everything is asked again when a
 * change ends. `polling` overrides the preference-based timing (tests, benchmarks).
 */
export function createServices(engine: Engine, preferences: PreferenceStore, terminal: TerminalServices, polling: PollerOptions = {}): Services {
	const poller = new StatusPoller(engine, {intervalMs: Math.max(preferences.get('pollIntervalMs'), 1000), fastIntervalMs: 1000, ...polling});
	const containers = new ContainerFeed(engine);
	const runner: OperationRunner = new OperationRunner(engine, {
		onChange(operation) {
			if (operation.container !== undefined) {
				if (operation.state !== 'running') containers.refresh(operation.machine);
				return;
			}

			poller.setBusy(operation.machine, runner.runningOn(operation.machine) !== undefined);
			if (operation.state !== 'running') void poller.refresh();
		},
	});
	return {...terminal, engine, poller, runner, preferences, containers, logs: new LogFeed(engine), swarmServices: new ServiceFeed(engine)};
}

export const ServicesContext = createContext<Services | undefined>(undefined);

export function useServices(): Services {
	const services = useContext(ServicesContext);
	if (!services) throw new Error('useServices outside <App>');
	return services;
}
