// A process this computer runs for a machine (a VM, virtiofsd, the published-ports agent): its pid
// file, whether it still runs, waiting for it to end.
import {readFile} from 'node:fs/promises';
import {waitUntil} from './polling.js';

export async function readPid(pidFile: string): Promise<number | undefined> {
	const text = await readFile(pidFile, 'utf8').catch(() => '');
	const pid = Number.parseInt(text.trim(), 10);
	return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * The VM's process, if the pid file names one that still runs and (where /proc tells) is the
 * process started for this machine, not a stranger that reused the pid.
 */
export async function runningPid(pidFile: string, marker: string): Promise<number | undefined> {
	const pid = await readPid(pidFile);
	if (pid === undefined || !isAlive(pid)) return undefined;
	const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
	if (commandLine !== undefined && !commandLine.includes(marker)) return undefined;
	return pid;
}

/** Whether the process exited within `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
	return waitUntil(() => !isAlive(pid), {intervalMs: 100, timeoutMs, signal});
}
