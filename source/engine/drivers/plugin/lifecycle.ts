// What outlives one plugin process: the set of those running (so none outlives the command) and
// where their log lines go. Apart from process.ts so that a face can end plugins, or take their
// logs, without loading what starts them.

type Running = {close(): Promise<void>; kill(): void};

const live = new Set<Running>();
let exitHookInstalled = false;

export function track(plugin: Running): void {
	live.add(plugin);
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	// A face that forgot closePlugins, or an exit mid-command: no plugin is left behind.
	process.once('exit', () => {
		for (const running of live) running.kill();
	});
}

export function untrack(plugin: Running): void {
	live.delete(plugin);
}

/** Ends every plugin still running (Close, then a kill): the CLI calls it as each command ends. */
export async function closePlugins(): Promise<void> {
	await Promise.all([...live].map(async plugin => plugin.close()));
}

type LogSink = (source: string, line: string) => void;
let logSink: LogSink | undefined;

/** Where plugins' log lines go (the CLI's --debug), with their machine's name; the engine prints nothing itself. */
export function setPluginLogSink(sink: LogSink | undefined): void {
	logSink = sink;
}

export function pluginLog(source: string, line: string): void {
	logSink?.(source, line);
}
