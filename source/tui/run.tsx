import {render, type Instance} from 'ink';
import {createEngine, type EngineSettings, MachinistError, openPreferences, runProgram} from '../engine/index.js';
import {App} from './App.js';
import {copyToClipboard} from './clipboard.js';
import {bracketedPasteOff, bracketedPasteOn} from './input/keys.js';
import {createServices} from './services.js';
import {createTheme} from './theme.js';

const escape = '\u001B[';
// Alternate screen with a cleared page, no autowrap (a full-width line must not scroll the
// page), cursor hidden, pastes marked as such. Leaving undoes each, in reverse.
const enterSequence = `${escape}?1049h${escape}H${escape}2J${escape}?7l${escape}?25l${bracketedPasteOn}`;
const leaveSequence = `${bracketedPasteOff}${escape}?25h${escape}?7h${escape}?1049l`;

/**
 * Ink's view of stdout, with a gate: while another program owns the terminal, whatever Ink
 * writes (a late frame, a resize) is dropped instead of landing on that program's screen.
 */
function gatedStdout(stdout: NodeJS.WriteStream): {stream: NodeJS.WriteStream; setOpen(open: boolean): void} {
	let open = true;
	const write = (...args: Parameters<NodeJS.WriteStream['write']>) => {
		if (open) return stdout.write(...(args as [string]));
		// Callers waiting for the write (Ink's exit barrier) still hear back.
		const callback = args.find(argument => typeof argument === 'function');
		if (callback) process.nextTick(callback);
		return true;
	};

	const stream = new Proxy(stdout, {
		get(target, property) {
			if (property === 'write') return write;
			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
		},
	});
	return {
		stream,
		setOpen(value) {
			open = value;
		},
	};
}

/**
 * Stops Node reading the terminal and returns how to start again. A paused stdin with no
 * listener still fills its buffer (up to 16 kB), which would take keys typed into ssh; Node
 * has no public call for this. Restarting by hand matters too: the stream still counts the
 * read it had asked for as pending, so a new listener alone would wait forever.
 */
function pauseReading(stdin: NodeJS.ReadStream): () => void {
	const handle = (stdin as unknown as {_handle?: {reading?: boolean; readStop?: () => number; readStart?: () => number}})._handle;
	if (!handle?.reading) return () => undefined;
	handle.reading = false;
	handle.readStop?.();
	return () => {
		if (handle.reading) return;
		handle.reading = true;
		handle.readStart?.();
	};
}

const signalNumbers = {SIGHUP: 1, SIGINT: 2, SIGTERM: 15} as const;

/**
 * Runs the full-screen app until the user quits, and leaves the terminal as it was on every
 * way out: quit, Ctrl-C, SIGTERM/SIGHUP, and a crash (whose message is printed after the
 * alternate screen is gone, where it can be read).
 */
export async function runTui(options: {engineSettings: EngineSettings; env: NodeJS.ProcessEnv}): Promise<number> {
	const {stdout, stdin} = process;
	// The command line that loads the app may hold a different copy of the engine (the
	// installed command is a bundle), so errors are reported here, where `instanceof` holds.
	let preferences: Awaited<ReturnType<typeof openPreferences>>;
	try {
		preferences = await openPreferences(options.env);
	} catch (error) {
		if (!(error instanceof MachinistError)) throw error;
		process.stderr.write(`${error.message}\n`);
		return error.exitCode;
	}

	const engine = createEngine(options.engineSettings);
	const gate = gatedStdout(stdout);
	let onScreen = false;
	let handingOff = false;
	let instance: Instance | undefined;

	const enter = () => {
		stdout.write(enterSequence);
		onScreen = true;
	};

	const leave = () => {
		if (!onScreen) return;
		onScreen = false;
		stdout.write(leaveSequence);
	};

	const restore = () => {
		instance?.unmount();
		leave();
		if (stdin.isTTY) stdin.setRawMode(false);
	};

	const onSignal = (signal: keyof typeof signalNumbers) => {
		// Ctrl-C during a hand-off reaches ssh and us alike; it is ssh's to handle.
		if (signal === 'SIGINT' && handingOff) return;
		restore();
		process.exit(128 + signalNumbers[signal]);
	};

	const onCrash = (error: unknown) => {
		restore();
		process.stderr.write(`machinist: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	};

	const handlers = (Object.keys(signalNumbers) as Array<keyof typeof signalNumbers>).map(
		signal =>
			[
				signal,
				() => {
					onSignal(signal);
				},
			] as const,
	);
	for (const [signal, handler] of handlers) process.on(signal, handler);
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);

	const handOff = async (program: string, args: readonly string[]): Promise<number> => {
		handingOff = true;
		gate.setOpen(false);
		// Resizes while the program runs are its business; ours is redrawn once on return.
		const resizeListeners = stdout.listeners('resize') as Array<() => void>;
		stdout.removeAllListeners('resize');
		const resumeReading = pauseReading(stdin);
		leave();
		try {
			return await runProgram(program, args);
		} finally {
			resumeReading();
			enter();
			// Ink erases its last frame upwards from the line below it, the last line of the page.
			stdout.write(`${escape}${stdout.rows || 24};1H`);
			for (const listener of resizeListeners) stdout.on('resize', listener);
			gate.setOpen(true);
			handingOff = false;
			stdout.emit('resize');
		}
	};

	const services = createServices(engine, preferences, {
		copy: async text => copyToClipboard(text, {write: data => stdout.write(data), env: options.env}),
		handOff,
	});

	enter();
	try {
		instance = render(<App services={services} theme={createTheme(preferences.get('theme'), options.env)} />, {
			stdout: gate.stream,
			stdin,
			exitOnCtrlC: false,
			patchConsole: false,
			// Ink 6.8's incremental renderer starts one line low when the frame ends with a newline
			// (any frame shorter than the screen), so the page creeps upwards; the standard renderer
			// redraws the frame inside a synchronized update, which terminals show without flicker.
			incrementalRendering: false,
			// Ink draws at most this often, later frames waiting for the next turn. At its default
			// 30 a key held down (about 30 repeats a second) lands each press just inside the wait,
			// so every press was drawn up to 34 ms late; at 60 each is drawn when it comes.
			maxFps: 60,
		});
		await instance.waitUntilExit();
		return 0;
	} catch (error) {
		leave();
		process.stderr.write(`machinist: ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	} finally {
		leave();
		for (const [signal, handler] of handlers) process.off(signal, handler);
		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
	}
}
