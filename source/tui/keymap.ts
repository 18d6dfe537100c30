/**
 * Every key the app answers to, in one table of named commands. The reducer asks `commandFor`
 * what a key means where the user is and hands screens the command; the help overlay and the
 * footer are rendered from the same table, so what they say is what the keys do. Only typed text
 * (a filter, a text box, a letter that jumps in a picker) is not a command.
 *
 * A screen's keys: a scope (a line in `scopeTitles`), its commands (bindings with that scope)
 * and a context (a line in `contexts` naming the scopes that apply there, its own first).
 */
/** A group of commands, with the title the help overlay gives it; the help lists them in this order. */
export const scopeTitles = {
	navigation: 'Moving',
	list: 'Machine list',
	machine: 'On the selected machine',
	details: 'Details',
	operations: 'Operations',
	containers: 'Containers',
	services: 'Swarm services',
	scale: 'Scale a service',
	logs: 'Container and service logs',
	filter: 'Filter',
	form: 'Forms (create, size)',
	text: 'Typing in a box',
	progress: 'Create progress',
	picker: 'Driver choice',
	managers: 'Manager choice',
	confirm: 'Questions',
	dialog: 'Dialogs',
	env: 'Env dialog',
	help: 'Help',
	global: 'Anywhere',
	always: 'Always, in a form or dialog too',
} as const;

export type Scope = keyof typeof scopeTitles;

type Binding = {
	scope: Scope;
	/** Key names as the key reader gives them: a character, `up`, `enter`, `ctrl+c`, … */
	keys: readonly string[];
	/** A word or two for the footer. */
	label: string;
	/** What the help overlay says. */
	description: string;
	/** Shown in the footer where its scope applies. */
	footer?: boolean;
	/** How help and footer write the keys, where listing them one by one would not fit (`1-9`). */
	shown?: string;
};

export const keymap = {
	up: {scope: 'navigation', keys: ['up', 'k'], label: 'move', description: 'Move up', footer: true},
	down: {scope: 'navigation', keys: ['down', 'j'], label: 'move', description: 'Move down'},
	first: {scope: 'navigation', keys: ['home', 'g'], label: 'first', description: 'Go to the first'},
	last: {scope: 'navigation', keys: ['end', 'G'], label: 'last', description: 'Go to the last'},

	details: {scope: 'list', keys: ['enter'], label: 'details', description: 'Details of the machine', footer: true},
	create: {scope: 'list', keys: ['n'], label: 'new', description: 'Create a machine', footer: true},
	filter: {scope: 'list', keys: ['/'], label: 'filter', description: 'Filter machines by name', footer: true},
	operations: {scope: 'list', keys: ['o'], label: 'operations', description: 'Operations and their logs', footer: true},
	fleet: {scope: 'list', keys: ['F'], label: 'fleet', description: 'Every container of every running machine', footer: true},
	refresh: {scope: 'list', keys: ['ctrl+r'], label: 'refresh', description: 'Ask every machine now'},
	unfilter: {scope: 'list', keys: ['escape'], label: 'unfilter', description: 'Clear the filter'},

	start: {scope: 'machine', keys: ['s'], label: 'start', description: 'Start', footer: true},
	stop: {scope: 'machine', keys: ['S'], label: 'stop', description: 'Stop', footer: true},
	restart: {scope: 'machine', keys: ['r'], label: 'restart', description: 'Restart'},
	kill: {scope: 'machine', keys: ['K'], label: 'kill', description: 'Kill (asks first)'},
	provision: {scope: 'machine', keys: ['p'], label: 'provision', description: 'Provision again'},
	regenerateCerts: {scope: 'machine', keys: ['R'], label: 'certs', description: 'Regenerate certificates (asks)'},
	remove: {scope: 'machine', keys: ['d'], label: 'remove', description: 'Remove (asks first)', footer: true},
	ssh: {scope: 'machine', keys: ['x'], label: 'ssh', description: 'SSH into it, here'},
	copyEnv: {scope: 'machine', keys: ['c'], label: 'copy env', description: 'Copy the env exports', footer: true},
	dockerContext: {scope: 'machine', keys: ['C'], label: 'context', description: 'Write a Docker context'},
	cluster: {scope: 'machine', keys: ['w'], label: 'swarm', description: 'Its swarm: nodes, roles, state, tasks'},
	swarmInit: {scope: 'machine', keys: ['i'], label: 'swarm init', description: 'Init a swarm with it as manager'},
	swarmJoin: {scope: 'machine', keys: ['J'], label: 'join', description: 'Join it to a swarm (pick the manager)'},
	containers: {scope: 'machine', keys: ['t'], label: 'containers', description: 'Its containers', footer: true},
	resize: {scope: 'machine', keys: ['z'], label: 'size', description: 'Change CPUs, memory, disk size (local VMs)'},
	swarmLeave: {scope: 'machine', keys: ['L'], label: 'leave', description: 'Take it out of its swarm (asks)'},
	services: {scope: 'machine', keys: ['v'], label: 'services', description: 'Its swarm’s services and their tasks per node (a manager)', footer: true},

	back: {scope: 'details', keys: ['escape'], label: 'back', description: 'Back to the list', footer: true},

	dismiss: {scope: 'operations', keys: ['enter', 'x'], label: 'dismiss', description: 'Dismiss a finished one', footer: true},
	leaveOperations: {scope: 'operations', keys: ['escape'], label: 'back', description: 'Back to the list', footer: true},

	containerLogs: {scope: 'containers', keys: ['l'], label: 'logs', description: 'Its logs, followed', footer: true},
	containerShell: {scope: 'containers', keys: ['x'], label: 'shell', description: 'A shell in it, here (docker exec -it)', footer: true},
	containerStart: {scope: 'containers', keys: ['s'], label: 'start', description: 'Start', footer: true},
	containerStop: {scope: 'containers', keys: ['S'], label: 'stop', description: 'Stop', footer: true},
	containerRestart: {scope: 'containers', keys: ['r'], label: 'restart', description: 'Restart'},
	containerKill: {scope: 'containers', keys: ['K'], label: 'kill', description: 'Kill (asks first)'},
	containerPause: {scope: 'containers', keys: ['p'], label: 'pause', description: 'Pause, or unpause a paused one'},
	containerRemove: {scope: 'containers', keys: ['d'], label: 'remove', description: 'Remove (asks; a running one is removed with -f)', footer: true},
	showAll: {scope: 'containers', keys: ['a'], label: 'all', description: 'Show stopped containers too, or not', footer: true},
	filterContainers: {
		scope: 'containers',
		keys: ['/'],
		label: 'filter',
		description: 'Filter by name, image, machine; state=running and machine=NAME are chips',
		footer: true,
	},
	leaveContainers: {scope: 'containers', keys: ['escape'], label: 'back', description: 'Back', footer: true},

	scaleService: {scope: 'services', keys: ['s'], label: 'scale', description: 'Scale the service (asks for the number of replicas)', footer: true},
	serviceLogs: {scope: 'services', keys: ['l'], label: 'logs', description: 'Its tasks’ logs merged in time order, followed', footer: true},
	leaveServices: {scope: 'services', keys: ['escape'], label: 'back', description: 'Back', footer: true},

	confirmScale: {scope: 'scale', keys: ['enter'], label: 'scale', description: 'Scale to the number typed', footer: true},
	cancelScale: {scope: 'scale', keys: ['escape'], label: 'cancel', description: 'Cancel', footer: true},

	logsUp: {scope: 'logs', keys: ['up', 'k'], label: 'scroll', description: 'Scroll up a line (stops following)', footer: true},
	logsDown: {scope: 'logs', keys: ['down', 'j'], label: 'scroll', description: 'Scroll down a line'},
	logsPageUp: {scope: 'logs', keys: ['pageup', 'ctrl+b'], label: 'page', description: 'Scroll up a page'},
	logsPageDown: {scope: 'logs', keys: ['pagedown', 'ctrl+f', 'space'], label: 'page', description: 'Scroll down a page'},
	logsTop: {scope: 'logs', keys: ['home', 'g'], label: 'top', description: 'Go to the oldest line kept'},
	logsFollow: {scope: 'logs', keys: ['end', 'G'], label: 'follow', description: 'Follow the newest lines again', footer: true},
	logsTimestamps: {scope: 'logs', keys: ['t'], label: 'time', description: 'Show timestamps, or not', footer: true},
	logsWrap: {scope: 'logs', keys: ['w'], label: 'wrap', description: 'Wrap long lines, or cut them', footer: true},
	filterLogs: {scope: 'logs', keys: ['/'], label: 'filter', description: 'Filter lines as you type (a regular expression, or plain text)', footer: true},
	nextMatch: {scope: 'logs', keys: ['n'], label: 'next', description: 'Next match of the filter', footer: true},
	previousMatch: {scope: 'logs', keys: ['N'], label: 'previous', description: 'Previous match of the filter'},
	leaveLogs: {scope: 'logs', keys: ['escape'], label: 'back', description: 'Back to the containers or services', footer: true},

	keepFilter: {scope: 'filter', keys: ['enter'], label: 'keep', description: 'Keep the filter', footer: true},
	clearFilter: {scope: 'filter', keys: ['escape'], label: 'clear', description: 'Clear the filter', footer: true},
	eraseFilter: {scope: 'filter', keys: ['backspace'], label: 'erase', description: 'Erase the last letter typed'},

	nextField: {scope: 'form', keys: ['tab', 'down'], label: 'next', description: 'Next field', footer: true},
	previousField: {scope: 'form', keys: ['shift+tab', 'up'], label: 'previous', description: 'Previous field'},
	toggle: {scope: 'form', keys: ['space'], label: 'toggle', description: 'Tick a box; fold advanced', footer: true},
	enterField: {scope: 'form', keys: ['enter'], label: 'next/create', description: 'Next; on [Create], create', footer: true},
	cancelForm: {scope: 'form', keys: ['escape'], label: 'cancel', description: 'Cancel', footer: true},

	caretLeft: {scope: 'text', keys: ['left'], label: 'left', description: 'Caret one letter left'},
	caretRight: {scope: 'text', keys: ['right'], label: 'right', description: 'Caret one letter right'},
	caretStart: {scope: 'text', keys: ['home', 'ctrl+a'], label: 'start', description: 'Caret to the start'},
	caretEnd: {scope: 'text', keys: ['end', 'ctrl+e'], label: 'end', description: 'Caret to the end'},
	eraseBefore: {scope: 'text', keys: ['backspace'], label: 'erase', description: 'Erase the letter before the caret'},
	eraseAt: {scope: 'text', keys: ['delete'], label: 'delete', description: 'Erase the letter at the caret'},
	eraseToStart: {scope: 'text', keys: ['ctrl+u'], label: 'erase all', description: 'Erase from the caret to the start'},

	leaveProgress: {scope: 'progress', keys: ['escape', 'enter'], label: 'back', description: 'Back (it goes on)', footer: true},

	chooseManager: {
		scope: 'managers',
		keys: ['enter'],
		label: 'join',
		description: 'Join the swarm of this manager (typing a letter jumps to one)',
		footer: true,
	},
	cancelManagers: {scope: 'managers', keys: ['escape'], label: 'cancel', description: 'Cancel', footer: true},

	choose: {scope: 'picker', keys: ['enter'], label: 'choose', description: 'Choose the driver (typing a letter jumps to one)', footer: true},
	chooseNumber: {
		scope: 'picker',
		keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
		label: 'choose',
		description: 'Choose the driver at that place',
		shown: '1-9',
	},
	pickerUp: {scope: 'picker', keys: ['up', 'k'], label: 'move', description: 'Move up (round to the last)'},
	pickerDown: {scope: 'picker', keys: ['down', 'j'], label: 'move', description: 'Move down (round to the first)'},
	cancelPicker: {scope: 'picker', keys: ['escape'], label: 'cancel', description: 'Cancel', footer: true},

	yes: {scope: 'confirm', keys: ['y'], label: 'yes', description: 'Yes', footer: true},
	no: {scope: 'confirm', keys: ['n', 'escape'], label: 'no', description: 'No', footer: true},

	closeDialog: {scope: 'dialog', keys: ['escape', 'enter', 'q'], label: 'close', description: 'Close', footer: true},
	nextShell: {scope: 'env', keys: ['tab'], label: 'shell', description: 'Env for the next shell (typing a letter jumps to one)', footer: true},

	closeHelp: {scope: 'help', keys: ['?', 'escape', 'q'], label: 'close', description: 'Close help', footer: true},

	help: {scope: 'global', keys: ['?'], label: 'help', description: 'Help', footer: true},
	quit: {scope: 'global', keys: ['q'], label: 'quit', description: 'Quit (asks if busy)', footer: true},
	forceQuit: {scope: 'always', keys: ['ctrl+c'], label: 'quit', description: 'Quit now'},
} as const satisfies Record<string, Binding>;

export type CommandName = keyof typeof keymap;

/** Where the user is; each context answers to the commands of its scopes, in this order. */
export const contexts = {
	list: ['navigation', 'list', 'machine', 'global'],
	details: ['details', 'machine', 'global'],
	cluster: ['details', 'machine', 'global'],
	managers: ['navigation', 'managers'],
	operations: ['navigation', 'operations', 'global'],
	containers: ['navigation', 'containers', 'global'],
	services: ['navigation', 'services', 'global'],
	scale: ['scale', 'text'],
	logs: ['logs', 'global'],
	filter: ['filter'],
	form: ['form'],
	progress: ['progress'],
	picker: ['picker'],
	confirm: ['confirm'],
	dialog: ['dialog'],
	env: ['env', 'dialog'],
	help: ['help', 'navigation'],
} as const satisfies Record<string, readonly Scope[]>;

export type Context = keyof typeof contexts;

const entries = Object.entries(keymap) as Array<[CommandName, Binding]>;

/** What a key (by name) means among one scope's commands, if anything. */
export function scopeCommand(scope: Scope, name: string): CommandName | undefined {
	return entries.find(([, binding]) => binding.scope === scope && binding.keys.includes(name))?.[0];
}

/** What a key (by name) means in a context, if anything. */
export function commandFor(context: Context, name: string): CommandName | undefined {
	for (const scope of contexts[context] as readonly Scope[]) {
		const found = scopeCommand(scope, name);
		if (found) return found;
	}

	return undefined;
}

const keyLabels: Record<string, string> = {
	up: '↑',
	down: '↓',
	left: '←',
	right: '→',
	enter: 'Enter',
	escape: 'Esc',
	tab: 'Tab',
	'shift+tab': 'Shift-Tab',
	space: 'Space',
	backspace: 'Backspace',
	delete: 'Del',
	home: 'Home',
	end: 'End',
};

export function keyLabel(name: string): string {
	if (keyLabels[name]) return keyLabels[name];
	if (name.startsWith('ctrl+')) return `Ctrl-${name.slice(5).toUpperCase()}`;
	return name;
}

export function keysLabel(command: CommandName): string {
	const binding: Binding = keymap[command];
	return binding.shown ?? binding.keys.map(name => keyLabel(name)).join('/');
}

export type Hint = {keys: string; label: string};

/** The footer of a context: its commands marked for it; `up` stands for ↑/↓ (one hint). */
export function footerHints(context: Context): Hint[] {
	const scopes = contexts[context] as readonly Scope[];
	return entries
		.filter(([, binding]) => binding.footer && scopes.includes(binding.scope))
		.sort(([, a], [, b]) => scopes.indexOf(a.scope) - scopes.indexOf(b.scope))
		.map(([command, binding]) => ({keys: command === 'up' ? '↑↓/jk' : keysLabel(command), label: binding.label}));
}

export type HelpSection = {title: string; lines: Hint[]};

/** The help overlay: every command, grouped by scope, the current context's scopes first. */
export function helpSections(current: Context): HelpSection[] {
	const first = contexts[current] as readonly Scope[];
	const scopes = [...first, ...(Object.keys(scopeTitles) as Scope[]).filter(scope => !first.includes(scope))];
	return scopes.map(scope => ({
		title: scopeTitles[scope],
		lines: entries.filter(([, binding]) => binding.scope === scope).map(([command, binding]) => ({keys: keysLabel(command), label: binding.description})),
	}));
}
