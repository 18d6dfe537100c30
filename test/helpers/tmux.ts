import {execFile, execFileSync} from 'node:child_process';
import {promisify} from 'node:util';
import {shellQuote} from '../../source/engine/ssh/quote.js';
import {waitFor} from './wait.js';

const exec = promisify(execFile);

/**
 * Each test process has a tmux server of its own: a server someone already runs on this machine
 * (another test run, a developer's) would bring its own options (a status line, a size, its
 * config, since -f applies only when a server starts) and its own paste buffers, which the OSC 52
 * copy test reads.
 */
const serverArgs = ['-L', `machinist-test-${process.pid}`];
let serverStarted = false;

/** Runs tmux against this process's own server. */
export async function tmux(args: readonly string[]): Promise<{stdout: string; stderr: string}> {
	if (args.includes('new-session')) serverStarted = true;
	return exec('tmux', [...serverArgs, ...args]);
}

process.once('exit', () => {
	if (serverStarted) {
		try {
			execFileSync('tmux', [...serverArgs, 'kill-server'], {stdio: 'ignore'});
		} catch {}
	}
});

export function tmuxAvailable(): {ok: true} | {ok: false; why: string} {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return {ok: true};
	} catch {
		return {ok: false, why: 'tmux is not installed (apt-get install -y tmux)'};
	}
}

/**
 * A real terminal for end-to-end tests: a detached tmux session running one command. The
 * command's environment is exactly `env` (tmux's own server environment does not leak in), and
 * `CI` is never set, since Ink renders nothing until exit when it sees CI.
 */
type TerminalSize = {columns: number; rows: number};
const defaultSize: TerminalSize = {columns: 120, rows: 35};

export class TmuxSession {
	readonly name: string;

	private constructor(name: string) {
		this.name = name;
	}

	static async start(command: readonly string[], env: NodeJS.ProcessEnv, size: TerminalSize = defaultSize): Promise<TmuxSession> {
		const name = `mt${process.pid}x${Math.floor(Math.random() * 1e6)}`;
		const assignments = Object.entries(env)
			.filter(([key, value]) => value !== undefined && key !== 'CI')
			.map(([key, value]) => `${key}=${shellQuote(String(value))}`);
		const line = `env -i ${assignments.join(' ')} ${command.map(word => shellQuote(word)).join(' ')}; echo "[exited $?]"; sleep 600`;
		await tmux(['-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', String(size.columns), '-y', String(size.rows), line]);
		await tmux(['set-option', '-t', name, '-g', 'set-clipboard', 'on']);
		return new TmuxSession(name);
	}

	async capture(options: {colours?: boolean} = {}): Promise<string> {
		const {stdout} = await tmux(['capture-pane', '-p', ...(options.colours ? ['-e'] : []), '-t', this.name]);
		return stdout;
	}

	/** Waits until the screen satisfies `check` (polling, never a fixed sleep); returns the screen. */
	async waitFor(check: string | RegExp | ((screen: string) => boolean), timeoutMs = 15_000): Promise<string> {
		const test = typeof check === 'function' ? check : (screen: string) => (typeof check === 'string' ? screen.includes(check) : check.test(screen));
		let screen = '';
		return waitFor(
			`the screen never showed ${String(check)}`,
			async () => {
				screen = await this.capture();
				return test(screen) && screen;
			},
			{timeoutMs, intervalMs: 100, detail: () => `it shows:\n${screen}`},
		);
	}

	async keys(...keys: string[]): Promise<void> {
		await tmux(['send-keys', '-t', this.name, ...keys]);
	}

	async type(text: string): Promise<void> {
		await tmux(['send-keys', '-t', this.name, '-l', text]);
	}

	/** Pastes as a terminal does: wrapped in bracketed-paste marks when the program asked for them. */
	async paste(text: string): Promise<void> {
		await tmux(['set-buffer', '-b', this.name, '--', text]);
		await tmux(['paste-buffer', '-p', '-d', '-b', this.name, '-t', this.name]);
	}

	async buffer(): Promise<string> {
		const {stdout} = await tmux(['show-buffer']).catch(() => ({stdout: ''}));
		return stdout;
	}

	async resize(columns: number, rows: number): Promise<void> {
		await tmux(['resize-window', '-t', this.name, '-x', String(columns), '-y', String(rows)]);
	}

	/**
	 * The pid of the command the session runs, found from the pid tmux reports for the pane and not
	 * from the command's name or path, which change: the pane's shell runs the command (which
	 * `env -i` becomes) as its only child until it exits.
	 */
	async commandPid(): Promise<number> {
		const {stdout: panePid} = await tmux(['display-message', '-p', '-t', this.name, '#{pane_pid}']);
		const {stdout} = await exec('ps', ['-o', 'pid=,args=', '--ppid', panePid.trim()]).catch(() => ({stdout: ''}));
		const children = stdout.split('\n').filter(line => line.trim() !== '');
		if (children.length !== 1) {
			throw new Error(`the tmux pane's shell (pid ${panePid.trim()}) should run the command as its one child; it has ${children.length}:\n${stdout}`);
		}

		return Number(children[0]!.trim().split(/\s+/)[0]);
	}

	async stop(): Promise<void> {
		await tmux(['kill-session', '-t', this.name]).catch(() => undefined);
	}
}
