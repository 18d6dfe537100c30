import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import {createMachine} from '../../source/engine/machines/create.js';
import {createEngine} from '../../source/engine/engine.js';
import {openPreferences} from '../../source/engine/store/preferences.js';
import {App} from '../../source/tui/App.js';
import type {AppView} from '../../source/tui/reducers/app.js';
import type {PollerOptions} from '../../source/engine/machines/poller.js';
import {createServices, type Services} from '../../source/tui/services.js';
import {createTheme} from '../../source/tui/theme.js';
import {temporaryDir} from '../helpers/store.js';
import {waitFor as waitForShown} from '../helpers/wait.js';

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	enter: '\r',
	escape: '\u001B',
	tab: '\t',
	backspace: '\u007F',
	ctrlC: '\u0003',
} as const;

/** A store of `none` machines (unreachable unless a URL is given) and the app's services on it. */
export async function world(t: ExecutionContext, machines: Record<string, string> = {}, polling: PollerOptions = {}) {
	const dir = await temporaryDir(t, 'machinist-tui-');
	const env = {
		PATH: process.env.PATH,
		HOME: dir,
		USER: 'tester',
		SHELL: '/bin/bash',
		MACHINE_STORAGE_PATH: dir,
		MACHINIST_CONFIG_DIR: path.join(dir, 'prefs'),
	};
	const engine = createEngine({storagePath: dir, env});
	for (const [name, url] of Object.entries(machines)) {
		await createMachine(engine, {name, driverName: 'none', given: {url}});
	}

	const preferences = await openPreferences(env);
	const copied: string[] = [];
	const services = createServices(
		engine,
		preferences,
		{
			async copy(text) {
				copied.push(text);
				return {methods: ['OSC 52']};
			},
			async handOff() {
				throw new Error('no terminal to hand off in tests');
			},
		},
		polling,
	);
	return {dir, env, engine, preferences, services, copied};
}

/** Lets the app handle a write and React draw the result, a macrotask or two later. */
async function settle(): Promise<void> {
	await new Promise(resolve => {
		setImmediate(resolve);
	});
	await new Promise(resolve => {
		setTimeout(resolve, 1);
	});
	await new Promise(resolve => {
		setImmediate(resolve);
	});
}

/**
 * The app rendered against real services, with helpers that wait for frames instead of
 * sleeping. Keys need no pause between them (the app handles each in the mode the one before
 * left); the settling only keeps `frame()` close to what the keys did.
 */
export function renderApp(t: ExecutionContext, services: Services) {
	// No JSX here: tsx compiles test files outside tsconfig.json's `include` with the classic runtime.
	const instance = render(createElement(App, {services, theme: createTheme('none', {})}));
	t.teardown(() => {
		instance.unmount();
	});
	const frame = () => instance.lastFrame() ?? '';

	// 30 s: a test file's apps render side by side in one process, which gets a small share of two
	// cores when other suites run on the machine too (the first frame took over 15 s at load 20).
	const waitFor = async (check: string | ((frame: string) => boolean), timeoutMs = 30_000): Promise<string> => {
		const test = typeof check === 'string' ? (text: string) => text.includes(check) : check;
		await waitForShown(`a frame showing ${typeof check === 'string' ? JSON.stringify(check) : 'what the test waits for'}`, () => test(frame()), {
			timeoutMs,
			intervalMs: 10,
			detail: () => `last frame:\n${frame()}`,
		});
		await settle();
		return frame();
	};

	const press = async (...sequence: string[]): Promise<void> => {
		for (const key of sequence) {
			instance.stdin.write(key);
			await settle();
		}
	};

	/** Text arrives in one chunk, as a paste or tmux's send-keys -l does. */
	const type = async (text: string): Promise<void> => {
		await press(text);
	};

	/** Backspaces, all in one write. */
	const erase = async (count: number): Promise<void> => {
		await press('\u007F'.repeat(count));
	};

	/** In the driver list: down until the driver is highlighted, then Enter. */
	const pickDriver = async (driver: string): Promise<void> => {
		await waitFor('which driver?');
		while (!frame().includes(`❯ ${driver}`)) {
			const before = frame();
			await press('\u001B[B');
			await waitFor(text => text !== before);
		}

		await press('\r');
	};

	return {frame, waitFor, press, type, erase, pickDriver, instance};
}

/** Whether the app has quit: an unmounted app has stopped its poller. */
export function watchQuit(services: Services): () => boolean {
	let stopped = false;
	const stop = services.poller.stop.bind(services.poller);
	services.poller.stop = () => {
		stopped = true;
		stop();
	};

	return () => stopped;
}

/** Polls a condition outside the screen (a store, a spy) until it holds or time runs out. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
	return waitForShown('a condition', check, {timeoutMs, intervalMs: 10}).catch(() => false);
}

/** The line of a frame that shows a machine's row (or any text). */
export function lineWith(frame: string, text: string): string {
	return frame.split('\n').find(line => line.includes(text)) ?? '';
}

/** What the reducer sees, for tests that drive it without the app: nothing on screen but `overrides`. */
export function appView(overrides: Partial<AppView> = {}): AppView {
	return {
		names: [],
		driverOf: () => 'none',
		swarm: () => '',
		operations: [],
		helpMaxScroll: () => 0,
		drivers: ['none'],
		envShell: 'bash',
		program: 'machinist',
		checkFile: () => undefined,
		containers: () => [],
		serviceRows: () => [],
		logLines: () => [],
		pageHeight: () => 20,
		...overrides,
	};
}
