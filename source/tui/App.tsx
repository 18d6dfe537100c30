import {Box, Text, useApp, useStdout} from 'ink';
import {useCallback, useEffect, useState, useSyncExternalStore} from 'react';
import {availableDrivers, errorMessage} from '../engine/index.js';
import {fileProblem} from './check-file.js';
import {Dialog} from './components/Dialog.js';
import {EnvDialog} from './components/EnvDialog.js';
import {Footer} from './components/Footer.js';
import {Header} from './components/Header.js';
import {StatusLine} from './components/StatusLine.js';
import {createEffectRunner, preferredShell} from './effects.js';
import {useKeyboard} from './hooks/useKeyboard.js';
import {useOperations} from './hooks/useOperations.js';
import {usePollerRows} from './hooks/usePoller.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {contextOf, operationKeys, type AppView} from './reducers/app.js';
import {matchesFilter, selectedKey} from './reducers/list.js';
import {CreateForm} from './screens/CreateForm.js';
import {Details} from './screens/Details.js';
import {Help, helpMaxScroll} from './screens/Help.js';
import {MachineList} from './screens/MachineList.js';
import {Cluster} from './screens/Cluster.js';
import {Operations} from './screens/Operations.js';
import {ServicesContext, useServices, type Services} from './services.js';
import {createAppStore} from './store.js';
import {ThemeContext, useTheme, type Theme} from './theme.js';

const toastMs = 6000;

/** The header, status line and footer take a line each; Ink gets one line less than the screen. */
const chromeLines = 4;

function bodyHeightOf(rows: number): number {
	return Math.max(3, rows - 1 - chromeLines);
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
	const theme = useTheme();
	const {engine, poller, runner, preferences} = services;
	const {exit} = useApp();
	const {stdout} = useStdout();
	const {columns, rows: height} = useTerminalSize();
	const {rows, loaded, at: rowsAt} = usePollerRows(poller);
	const {operations, at: operationsAt} = useOperations(runner);
	const [store] = useState(() => {
		// Read when a key is handled, not when React last drew.
		const view = (): AppView => ({
			names: poller.rows().map(row => row.name),
			swarm: machine => poller.rows().find(row => row.name === machine)?.swarm ?? '',
			operations: runner.list(),
			helpMaxScroll: from => helpMaxScroll(from, stdout.columns || 80, bodyHeightOf(stdout.rows || 24)),
			drivers: availableDrivers(engine.env),
			get defaultDriver() {
				return preferences.get('defaultDriver');
			},
			get envShell() {
				return preferredShell(preferences.get('envShell'), engine.env);
			},
			program: engine.program,
			checkFile: fileProblem,
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
		return () => {
			unsubscribe();
			poller.stop();
		};
	}, [poller, store]);

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
				code => ({text: `The ssh session on ${handoff.machine} ended (exit code ${code})`, tone: code === 0 ? 'info' : 'danger'}) as const,
				(error: unknown) => ({text: `ssh to ${handoff.machine} failed: ${errorMessage(error)}`, tone: 'danger'}) as const,
			)
			.then(toast => {
				store.dispatch({type: 'handOffEnded', toast});
			});
	}, [handoff, services, store]);

	// While ssh has the terminal the frame stays blank, so nothing Ink draws can land on it and
	// the whole screen is drawn again on return.
	if (handoff) return <Box height={height - 1} />;

	const names = rows.map(row => row.name);
	const selected = selectedKey(list, names);
	const newestFirst = operations.toReversed();
	const selectedOperation = selectedKey(state.operationList, operationKeys(operations));
	const bodyHeight = bodyHeightOf(height);
	const context = contextOf(state);
	// The clock of the newest data drawn: the render itself must not read the clock.
	const now = Math.max(rowsAt, operationsAt);
	const shownRows = rows.filter(row => matchesFilter(row.name, list.filter));
	let title = `${rows.length} machine${rows.length === 1 ? '' : 's'}`;
	if (screen.name === 'details') title = screen.machine;
	else if (screen.name === 'cluster') title = `${screen.machine}'s swarm`;
	else if (screen.name === 'operations') title = 'operations';
	else if (screen.name === 'create') title = 'new machine';

	// Border, title and two lines of question.
	const confirmLines = overlay?.kind === 'confirm' ? 5 : 0;
	const screenHeight = bodyHeight - confirmLines;
	let body;
	switch (screen.name) {
		case 'list': {
			body = (
				<MachineList
					rows={shownRows}
					loaded={loaded}
					operations={operations}
					selected={selected}
					filter={list.filter}
					height={screenHeight}
					now={now}
					onVisible={pollVisible}
				/>
			);
			break;
		}

		case 'details': {
			body = (
				<Details name={screen.machine} row={rows.find(row => row.name === screen.machine)} operations={operations} height={screenHeight} now={now} />
			);
			break;
		}

		case 'cluster': {
			body = <Cluster machine={screen.machine} height={screenHeight} />;
			break;
		}

		case 'operations': {
			body = <Operations operations={newestFirst} selected={selectedOperation} height={screenHeight} now={now} />;
			break;
		}

		case 'create': {
			body = <CreateForm step={screen.step} existingNames={names} operations={operations} height={screenHeight} />;
			break;
		}
	}

	if (overlay?.kind === 'help') body = <Help context={overlay.from} width={columns} height={bodyHeight} scroll={overlay.scroll} />;
	else if (overlay?.kind === 'env') body = <EnvDialog {...overlay} inTmux={Boolean(engine.env.TMUX)} />;
	else if (overlay?.kind === 'managers') {
		body = (
			<Dialog title={`Join ${overlay.machine} to the swarm of…`}>
				{overlay.managers.map((manager, index) => (
					<Text key={manager} color={index === overlay.index ? theme.accent : undefined}>
						{index === overlay.index ? '❯ ' : '  '}
						{manager}
					</Text>
				))}
			</Dialog>
		);
	} else if (overlay?.kind === 'message') {
		body = (
			<Dialog title={overlay.title} tone='danger'>
				<Text>{overlay.text}</Text>
			</Dialog>
		);
	}

	return (
		<Box flexDirection='column' width={columns} height={height - 1}>
			<Header title={title} operations={operations} />
			<Box flexDirection='column' flexGrow={1} overflow='hidden'>
				<Box flexDirection='column' height={screenHeight} overflow='hidden'>
					{body}
				</Box>
				{overlay?.kind === 'confirm' ? (
					<Dialog title='Are you sure? (y/n)' tone='danger'>
						<Text>{overlay.question}</Text>
					</Dialog>
				) : null}
			</Box>
			<StatusLine filter={list.filter} filtering={context === 'filter'} toast={toast} />
			<Footer context={context} />
		</Box>
	);
}
