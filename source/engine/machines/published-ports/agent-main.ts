// The published-ports agent's process, started detached by lifecycle.ts with the store's path
// and the machine's name; its output goes to the log in the machine's directory.
import {readFile} from 'node:fs/promises';
import {closeDockerAgents} from '../../docker/client.js';
import {createEngine} from '../../engine.js';
import {runPortAgent} from './agent.js';
import {agentFile} from './agent-files.js';

const [storagePath, name] = process.argv.slice(2);
if (!storagePath || !name) throw new Error('usage: agent-main STORAGE_PATH MACHINE');
const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
	process.once(signal, () => {
		controller.abort();
	});
}

const engine = createEngine({storagePath});
// Two commands may start an agent at once; the one the pid file names stays, and an agent whose
// pid file was removed (stop, rm) ends even if its signal was missed.
const ownership = setInterval(async () => {
	const named = await readFile(agentFile(engine.store.machineDir(name), 'pid'), 'utf8').catch(() => '');
	if (Number(named.trim()) !== process.pid) controller.abort();
}, 3000);
try {
	await runPortAgent(engine, name, {signal: controller.signal});
} finally {
	clearInterval(ownership);
	closeDockerAgents();
}
