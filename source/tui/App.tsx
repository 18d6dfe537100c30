import {Box, useApp, useStdout} from 'ink';
import {useCallback, useEffect, useState, useSyncExternalStore} from 'react';
import {availableDrivers, errorMessage} from '../engine/index.js';
import {fileProblem} from './check-file.js';
import {Footer} from './components/Footer.js';
import {Header} from './components/Header.js';
import {helpMaxScroll} from './components/Help.js';
import {overlayBody, Question} from './components/Overlays.js';
import {StatusLine} from './components/StatusLine.js';
import {createEffectRunner, preferredShell} from './effects.js';
import {useContainerTables} from './hooks/useContainers.js';
import {useKeyboard} from './hooks/useKeyboard.js';
import {useOperations} from './hooks/useOperations.js';
import {usePollerRows} from './hooks/usePoller.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {contextOf} from './reducers/app.js';
import type {AppView} from './reducers/state.js';
import {definitionOf} from './screens/registry.js';
import type {Seen} from './screens/view.js';
import {viewOf} from './screens/views.js';
import {ServicesContext, useServices, type Services} from './services.js';
import {createAppStore} from './store.js';
import {ThemeContext, type Theme} from './theme.js';

const toastMs = 6000;

/** The header, status line and footer take a line each; Ink gets one line less than the screen. */
const chromeLines = 4;

function bodyHeightOf(rows: number): number {
	return Math.max(3, rows - 1 - chromeLines);
}

/** When the containers drawn were listed: their CREATED ages count from then. */
function containersAt(tables: ReturnType<typeof useContainerTables>): number {
	return Math.max(0, ...tables.map(table => table.updatedAt ?? 0));
}

export type AppProps = {readonly services: Services; readonly theme: Theme};

/** The whole TUI. Engine objects come in through `services`; nothing here polls or shells out by itself. */
export function App({services, theme}: AppProps) {
	return (
		<ServicesContext.Provider value={services}>
			<ThemeContext.Provider value={theme}>
				<Shell />
			</ThemeContext.Provider>
		</ServicesContext.Provider>
	);
}

function Shell() {
	const services = useServices();
	const {engine, poller, runner, preferences} = services;
	const {exit} = useApp();
	const {stdout} = useStdout();
	const {columns, rows: height} = useTerminalSize();
	const {rows, loaded, at: rowsAt} = usePollerRows(poller);
	const {operations, at: operationsAt} = useOperations(runner);
	const containers = useContainerTables(services.containers);
	const [store] = useState(() => {
		// Read when a key is handled, not when React last drew.
		const view = (): AppView => ({
			names: poller.rows().map(row => row.name),
			driverOf: machine => poller.rows().find(row => row.name === machine)?.driverName ?? 'none',
			swarm: machine => poller.rows().find(row => row.name === machine)?.swarm ?? '',
			operations: runner.list(),
			helpMaxScroll: from => helpMaxScroll(from, stdout.columns || 80, bodyHeightOf(stdout.rows || 24)),
			// A getter: the PATH is read for plugins only when the create screen asks, not on every key.
			get drivers() {
				return availableDrivers(engine.env);
			},
			get defaultDriver() {
				return preferences.get('defaultDriver');
			},
			get envShell() {
				return preferredShell(preferences.get('envShell'), engine.env);
			},
			program: engine.program,
			checkFile: fileProblem,
			containers: () => services.containers.tables(),
			serviceRows: machine => services.swarmServices.rows(machine),
			logLines: () => services.logs.lines(),
			pageHeight: () => bodyHeightOf(stdout.rows || 24) - 1,
		});
		return createAppStore(view, createEffectRunner(services, exit));
	});
	const state = useSyncExternalStore(store.subscribe, store.getState);
	const {screen, overlay, toast, list, handoff} = state;

	useKeyboard(key => {
		store.dispatch({type: 'key', key});
	});

	const pollVisible = useCallback(
		(names: readonly string[]) => {
			poller.setVisible(names);
		},
		[poller],
	);

	useEffect(() => {
		poller.start();
		const unsubscribe = poller.subscribe(() => {
			store.dispatch({type: 'rows'});
		});
		const unsubscribeContainers = services.containers.subscribe(() => {
			store.dispatch({type: 'containers'});
		});
		return () => {
			unsubscribe();
			unsubscribeContainers();
			poller.stop();
			services.containers.stop();
			services.logs.close();
		};
	}, [poller, services, store]);

	// The daemons' event streams run while a containers screen (or the logs opened from one) is
	// shown; the screen starts them again when it comes back.
	const showsContainers = screen.name === 'containers' || screen.name === 'logs';
	useEffect(() => {
		if (!showsContainers) services.containers.pause();
	}, [showsContainers, services]);

	useEffect(() => {
		if (!toast) return;
		const timer = setTimeout(() => {
			store.dispatch({type: 'toastExpired', toast});
		}, toastMs);
		return () => {
			clearTimeout(timer);
		};
	}, [toast, store]);

	// The hand-off starts after the blank frame below is drawn, so nothing of the app is left on
	// the terminal the program gets.
	useEffect(() => {
		if (!handoff) return;
		// Both outcomes become a toast in the first `then`, so nothing rejects.
		void services
			.handOff(handoff.binary, handoff.args)
			.then(
				code =>
					({
						text: `The ${handoff.what ?? 'ssh session'} on ${handoff.machine} ended (exit code ${code})`,
						tone: code === 0 ? 'info' : 'danger',
					}) as const,
				(error: unknown) => ({text: `${handoff.what ?? 'ssh'} on ${handoff.machine} failed: ${errorMessage(error)}`, tone: 'danger'}) as const,
			)
			.then(toast => {
				store.dispatch({type: 'handOffEnded', toast});
			});
	}, [handoff, services, store]);

	// While ssh has the terminal the frame stays blank, so nothing Ink draws can land on it and
	// the whole screen is drawn again on return.
	if (handoff) return <Box height={height - 1} />;

	const bodyHeight = bodyHeightOf(height);
	const context = contextOf(state);
	// Border, title and two lines of question.
	const screenHeight = bodyHeight - (overlay?.kind === 'confirm' ? 5 : 0);
	const title = definitionOf(screen).title(screen, {machines: rows.length});
	// The clock of the newest data drawn: the render itself must not read the clock.
	const seen: Seen = {rows, loaded, operations, containers, now: Math.max(rowsAt, operationsAt, containersAt(containers)), onVisible: pollVisible};
	// Containers and logs screens have filters of their own; the status line shows the current one.
	const filter = 'filter' in screen ? screen.filter : list.filter;
	const View = viewOf(screen);
	const body = overlayBody(overlay, {columns, height: bodyHeight, inTmux: Boolean(engine.env.TMUX)}) ?? (
		<View screen={screen} state={state} height={screenHeight} seen={seen} />
	);

	return (
		<Box flexDirection='column' width={columns} height={height - 1}>
			<Header title={title} operations={operations} />
			<Box flexDirection='column' flexGrow={1} overflow='hidden'>
				<Box flexDirection='column' height={screenHeight} overflow='hidden'>
					{body}
				</Box>
				{overlay?.kind === 'confirm' ? <Question question={overlay.question} /> : null}
			</Box>
			<StatusLine filter={filter} filtering={context === 'filter'} toast={toast} />
			<Footer context={context} />
		</Box>
	);
}
