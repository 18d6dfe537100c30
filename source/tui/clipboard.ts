import {spawn} from 'node:child_process';
import {findProgram} from '../engine/index.js';

/** What a copy did: the ways the text went out, and the native tool's failure if it had one. */
export type CopyReport = {methods: string[]; problem?: string};

/**
 * OSC 52 asks the terminal itself to set its clipboard. It is the one way that works over SSH;
 * tmux passes it on with `set-clipboard on`.
 */
export function osc52(text: string): string {
	return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

export type NativeTool = {command: string; args: string[]};

/**
 * A clipboard program worth trying: only where a desktop session exists, since the X11 and
 * Wayland tools fail (or hang) without one.
 */
export function nativeTools(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): NativeTool[] {
	if (platform === 'darwin') return [{command: 'pbcopy', args: []}];
	if (env.WSL_DISTRO_NAME) return [{command: 'clip.exe', args: []}];
	const tools: NativeTool[] = [];
	if (env.WAYLAND_DISPLAY) tools.push({command: 'wl-copy', args: []});
	if (env.DISPLAY) tools.push({command: 'xclip', args: ['-selection', 'clipboard']}, {command: 'xsel', args: ['--clipboard', '--input']});
	return tools;
}

const toolTimeoutMs = 3000;

async function feed(binary: string, args: readonly string[], text: string): Promise<void> {
	return new Promise((resolve, reject) => {
		// xclip stays running to own the selection, so we wait for its stdin to close, not its exit.
		const child = spawn(binary, args, {stdio: ['pipe', 'ignore', 'ignore']});
		const timer = setTimeout(() => {
			child.kill();
			reject(new Error('timed out'));
		}, toolTimeoutMs);
		child.once('error', error => {
			clearTimeout(timer);
			reject(error);
		});
		child.once('exit', code => {
			clearTimeout(timer);
			if (code === 0) resolve();
			else reject(new Error(`exited with code ${String(code)}`));
		});
		child.stdin.end(text);
	});
}

export type CopyOptions = {
	/** Where the escape sequence goes: the terminal the app is drawn on. */
	write: (data: string) => void;
	env: NodeJS.ProcessEnv;
	platform?: NodeJS.Platform;
	/** Runs a native tool with the text on its stdin; tests replace it. */
	run?: (binary: string, args: readonly string[], text: string) => Promise<void>;
};

/** Sends the text by OSC 52, then through the first native tool present, and says which. */
export async function copyToClipboard(text: string, options: CopyOptions): Promise<CopyReport> {
	options.write(osc52(text));
	const methods = ['OSC 52'];
	const run = options.run ?? feed;
	for (const tool of nativeTools(options.env, options.platform ?? process.platform)) {
		const binary = findProgram(tool.command, options.env);
		if (!binary) continue;
		try {
			await run(binary, tool.args, text);
			return {methods: [...methods, tool.command]};
		} catch (error) {
			return {methods, problem: `${tool.command} failed: ${(error as Error).message}`};
		}
	}

	return {methods};
}
