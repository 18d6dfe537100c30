// What machinist remembers beside a record: the last create or provision failure.
import fs from 'node:fs';
import path from 'node:path';
import {writeFileAtomic} from './files.js';

/**
 * What Machinist remembers about a machine beyond docker-machine's record, in a file of its own
 * (`machinist.json` in the machine directory) so config.json stays byte-compatible.
 */
export type MachineNotes = {
	/** Set when provisioning failed; the machine is listed in an error state until it succeeds. */
	provisionError?: string;
	/** Set when the driver failed to make the host; the machine is listed in an error state until removed. */
	createError?: string;
	/** Its swarm-mode membership, as of the last `swarm` command that changed it (never a join token). */
	swarm?: {cluster: string; nodeId: string; role: 'manager' | 'worker'};
};

const notesFile = (machineDir: string) => path.join(machineDir, 'machinist.json');

export async function readNotes(machineDir: string): Promise<MachineNotes> {
	try {
		// Read synchronously, as the store reads config.json (see Store.names).
		return JSON.parse(fs.readFileSync(notesFile(machineDir), 'utf8')) as MachineNotes;
	} catch {
		return {};
	}
}

export async function writeNotes(machineDir: string, notes: MachineNotes): Promise<void> {
	if (Object.values(notes).every(value => value === undefined)) {
		await fs.promises.rm(notesFile(machineDir), {force: true});
		return;
	}

	await writeFileAtomic(notesFile(machineDir), `${JSON.stringify(notes, null, 2)}\n`);
}
