import {Box, Text, useApp, useInput, type Key} from 'ink';
import {useEffect, useState} from 'react';
import {shellNames} from '../format/env.js';
import {Dialog} from './components/Dialog.js';
import {EnvDialog} from './components/EnvDialog.js';
import {Footer} from './components/Footer.js';
import {Header} from './components/Header.js';
import {StatusLine, type Toast} from './components/StatusLine.js';
import {isMachineCommand, useMachineActions, type Overlay} from './hooks/useMachineActions.js';
import {useOperations} from './hooks/useOperations.js';
import {usePollerRows} from './hooks/usePoller.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {commandFor, keyName, type CommandName, type Context} from './keymap.js';
import {initialListState, listReducer, matchesFilter, selectedKey, type ListAction} from './reducers/list.js';
import {Cluster} from './screens/Cluster.js';
import {CreateForm} from './screens/CreateForm.js';
import {Details} from './screens/Details.js';
import {Help, helpMaxScroll} from './screens/Help.js';
import {MachineList} from './screens/MachineList.js';
import {Operations} from './screens/Operations.js';
import {ServicesContext, useServices, type Services} from './services.js';
import {ThemeContext, useTheme, type Theme} from './theme.js';

type Screen = {name: 'list'} | {name: 'details'; machine: string} | {name: 'cluster'; machine: string} | {name: 'operations'} | {name: 'create'};

const navigation: Partial<Record<CommandName, ListAction>> = {
	up: {type: 'move', by: -1},
	down: {type: 'move', by: 1},
	first: {type: 'first'},
	last: {type: 'last'},
};

const toastMs = 6000;

/** The header, status line and footer take a line each; Ink gets one line less than the screen. */
const chromeLines = 4;

function isTyping(input: string, key: Key): boolean {
	return input.length > 0 && !key.ctrl && !key.meta && !key.return && !key.escape && !key.tab && !key.backspace && !key.delete;
}

export type AppProps = {services: Services; theme: Theme};

/** The whole TUI. Engine objects come in through `services`; nothing here polls or shells out by itself. */
export function App({services, theme}: AppProps) {
	return (
		<ServicesContext.Provider value={services}>
			<ThemeContext.Provider value={theme}>
				<Shell/>
			</ThemeContext.Provider>
		</ServicesContext.Provider>
	);
}

function Shell() {
	const services = useServices();
	const theme = useTheme();
	const {engine, poller, runner} = services;
	const {exit} = useApp();
	const {columns, rows: height} = useTerminalSize();
	const {rows, loaded} = usePollerRows(poller);
	const operations = useOperations(runner);
	const [screen, setScreen] = useState<Screen>({name: 'list'});
	const [list, setList] = useState(initialListState);
	const [operationList, setOperationList] = useState(initialListState);
	const [overlay, setOverlay] = useState<Overlay>();
	const [toast, setToast] = useState<Toast>();
	const [createContext, setCreateContext] = useState<Context>('picker');
	const {onMachine, closeDialog, switchShell, joinSwarm, handingOff} = useMachineActions({
		setOverlay,
		setToast,
		onRemove(machine) {
			if ((screen.name === 'details' || screen.name === 'cluster') && screen.machine === machine) setScreen({name: 'list'});
		},
	});

	useEffect(() => {
		poller.start();
		return () => {
			poller.stop();
		};
	}, [poller]);

	useEffect(() => {
		if (!toast) return;
		const timer = setTimeout(() => {
			setToast(undefined);
		}, toastMs);
		return () => {
			clearTimeout(timer);
		};
	}, [toast]);

	const notify = (text: string, tone: Toast['tone'] = 'info') => {
		setToast({text, tone});
	};

	const names = rows.map(row => row.name);
	const selected = selectedKey(list, names);
	useEffect(() => {
		setList(current => listReducer(current, {type: 'sync'}, names));
	}, [rows]);
	const newestFirst = [...operations].reverse();
	const operationKeys = newestFirst.map(operation => String(operation.id));
	const selectedOperation = selectedKey(operationList, operationKeys);
	const bodyHeight = Math.max(3, height - 1 - chromeLines);

	let context: Context;
	if (overlay) context = overlay.kind === 'message' ? 'dialog' : overlay.kind;
	else if (screen.name === 'create') context = createContext;
	else if (screen.name === 'list') context = list.filtering ? 'filter' : 'list';
	else context = screen.name;

	const quit = () => {
		const running = runner.running();
		if (running.length === 0) {
			exit();
			return;
		}

		const what = running.map(operation => `${operation.kind} ${operation.machine}`).join(', ');
		setOverlay({kind: 'confirm', question: `Quit? Still running: ${what}. They stop when machinist does.`, onYes: exit});
	};

	const onOverlayKey = (current: Overlay, command: CommandName | undefined) => {
		switch (current.kind) {
			case 'help': {
				const action = command ? navigation[command] : undefined;
				if (command === 'closeHelp') setOverlay(undefined);
				else if (action) {
					const max = helpMaxScroll(current.from, columns, bodyHeight);
					const scroll = action.type === 'move' ? current.scroll + action.by : (action.type === 'first' ? 0 : max);
					setOverlay({...current, scroll: Math.min(Math.max(scroll, 0), max)});
				}

				break;
			}

			case 'confirm': {
				if (command === 'yes') {
					setOverlay(undefined);
					current.onYes();
				} else if (command === 'no') {
					setOverlay(undefined);
				}

				break;
			}

			case 'env': {
				if (command === 'nextShell') {
					switchShell(current.machine, shellNames[(shellNames.indexOf(current.shell) + 1) % shellNames.length]!);
				} else if (command === 'closeDialog') {
					closeDialog();
				}

				break;
			}

			case 'message': {
				if (command === 'closeDialog') closeDialog();
				break;
			}

			case 'managers': {
				const action = command ? navigation[command] : undefined;
				if (command === 'chooseManager') joinSwarm(current.machine, current.managers[current.index]!);
				else if (command === 'cancelManagers') setOverlay(undefined);
				else if (action) {
					const last = current.managers.length - 1;
					const index = action.type === 'move' ? current.index + action.by : (action.type === 'first' ? 0 : last);
					setOverlay({...current, index: Math.min(Math.max(index, 0), last)});
				}
				break;
			}
		}
	};

	useInput((input, key) => {
		if (keyName(input, key) === 'ctrl+c') {
			exit();
			return;
		}

		const command = commandFor(context, input, key);
		if (overlay) {
			onOverlayKey(overlay, command);
			return;
		}

		// The create screen reads its own keys (text boxes, the driver list).
		if (screen.name === 'create') return;
		if (context === 'filter') {
			if (command === 'keepFilter') setList(current => listReducer(current, {type: 'keepFilter'}, names));
			else if (command === 'clearFilter') setList(current => listReducer(current, {type: 'clearFilter'}, names));
			else if (keyName(input, key) === 'backspace') setList(current => listReducer(current, {type: 'eraseFilter'}, names));
			else if (isTyping(input, key)) setList(current => listReducer(current, {type: 'typeFilter', text: input}, names));
			return;
		}

		// A fast typist's (or a paste's) `/` and first letters can arrive as one chunk.
		if (context === 'list' && input.length > 1 && input.startsWith('/') && isTyping(input, key)) {
			setList(current => listReducer(listReducer(current, {type: 'startFilter'}, names), {type: 'typeFilter', text: input.slice(1)}, names));
			return;
		}

		if (!command) return;
		const move = navigation[command];
		if (move) {
			if (screen.name === 'operations') setOperationList(current => listReducer(current, move, operationKeys));
			else setList(current => listReducer(current, move, names));
			return;
		}

		const target = screen.name === 'details' || screen.name === 'cluster' ? screen.machine : selected;
		if (target && isMachineCommand(command)) {
			onMachine(command, target);
			return;
		}

		switch (command) {
			case 'details': {
				if (selected) setScreen({name: 'details', machine: selected});
				break;
			}

			case 'cluster': {
				if (target) setScreen({name: 'cluster', machine: target});
				break;
			}

			case 'create': {
				setCreateContext('picker');
				setScreen({name: 'create'});
				break;
			}

			case 'filter': {
				setList(current => listReducer(current, {type: 'startFilter'}, names));
				break;
			}

			case 'unfilter': {
				setList(current => listReducer(current, {type: 'clearFilter'}, names));
				break;
			}

			case 'operations': {
				setScreen({name: 'operations'});
				break;
			}

			case 'refresh': {
				void poller.refresh();
				notify('Asking every machine…');
				break;
			}

			case 'back':
			case 'leaveOperations': {
				setScreen({name: 'list'});
				break;
			}

			case 'dismiss': {
				const operation = operations.find(candidate => String(candidate.id) === selectedOperation);
				if (operation?.state === 'running') notify('It is still running; finished ones can be dismissed', 'danger');
				else if (operation) runner.dismiss(operation.id);
				break;
			}

			case 'help': {
				setOverlay({kind: 'help', from: context, scroll: 0});
				break;
			}

			case 'quit': {
				quit();
				break;
			}
		}
	}, {isActive: !handingOff});

	// While ssh has the terminal the frame stays blank, so nothing Ink draws can land on it and
	// the whole screen is drawn again on return.
	if (handingOff) return <Box height={height - 1}/>;

	const now = Date.now();
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
			body = <MachineList rows={shownRows} loaded={loaded} operations={operations} selected={selected} filter={list.filter} height={screenHeight} now={now}/>;
			break;
		}

		case 'details': {
			body = <Details name={screen.machine} row={rows.find(row => row.name === screen.machine)} operations={operations} height={screenHeight} now={now}/>;
			break;
		}

		case 'cluster': {
			body = <Cluster machine={screen.machine} height={screenHeight}/>;
			break;
		}

		case 'operations': {
			body = <Operations operations={newestFirst} selected={selectedOperation} height={screenHeight} now={now}/>;
			break;
		}

		case 'create': {
			body = (
				<CreateForm
					existingNames={names}
					height={screenHeight}
					onContext={setCreateContext}
					onClose={created => {
						setScreen({name: 'list'});
						if (created) setList(current => listReducer(current, {type: 'select', key: created}, names));
					}}
				/>
			);
			break;
		}
	}

	if (overlay?.kind === 'help') body = <Help context={overlay.from} width={columns} height={bodyHeight} scroll={overlay.scroll}/>;
	else if (overlay?.kind === 'env') body = <EnvDialog {...overlay} inTmux={Boolean(engine.env['TMUX'])}/>;
	else if (overlay?.kind === 'managers') {
		body = (
			<Dialog title={`Join ${overlay.machine} to the swarm of…`}>
				{overlay.managers.map((manager, index) => (
					<Text key={manager} color={index === overlay.index ? theme.accent : undefined}>{index === overlay.index ? '❯ ' : '  '}{manager}</Text>
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
			<Header title={title} operations={operations}/>
			<Box flexDirection='column' flexGrow={1} overflow='hidden'>
				<Box flexDirection='column' height={screenHeight} overflow='hidden'>{body}</Box>
				{overlay?.kind === 'confirm' ? (
					<Dialog title='Are you sure? (y/n)' tone='danger'>
						<Text>{overlay.question}</Text>
					</Dialog>
				) : null}
			</Box>
			<StatusLine filter={list.filter} filtering={context === 'filter'} toast={toast}/>
			<Footer context={context}/>
		</Box>
	);
}
