// The published-ports agent's files in the machine's directory: its pid, its log, and what it
// last did (read by ls, inspect and the app).
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import type {SkippedForward, WantedForward} from './plan.js';

export const agentFiles = {pid: 'port-agent.pid', log: 'port-agent.log', state: 'published-ports.json'} as const;

export function agentFile(machineDir: string, name: keyof typeof agentFiles): string {
	return path.join(machineDir, agentFiles[name]);
}

/** What the agent last did: the forwards it keeps, those it could not make, and why it could not work at all. */
export type PublishedPortsState = {
	updated: string;
	forwards: WantedForward[];
	skipped: SkippedForward[];
	/** Why the last pass failed (the daemon or the monitor did not answer); it keeps trying. */
	problem?: string;
};

export async function readPublishedPorts(machineDir: string): Promise<PublishedPortsState | undefined> {
	try {
		return JSON.parse(await readFile(agentFile(machineDir, 'state'), 'utf8')) as PublishedPortsState;
	} catch {
		return undefined;
	}
}

/** One line for the ERRORS column: each published port that is not on 127.0.0.1, and why. */
export function publishedPortsProblem(state: PublishedPortsState | undefined): string {
	if (!state) return '';
	return state.skipped
		.map(skipped => `published port ${skipped.port}/${skipped.protocol} of ${skipped.container} is not on 127.0.0.1: ${skipped.reason}`)
		.join('; ');
}
