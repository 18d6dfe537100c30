// The last lines of a log file, as a person reads them: a local VM's serial console quoted by its boot
// progress and errors, and the details screen.
import {open} from 'node:fs/promises';

/** The last lines of a console log, without escape sequences or carriage returns. */
export async function tailOfLog(file: string, lines: number, maxBytes = 64 * 1024): Promise<string[]> {
	let handle;
	try {
		handle = await open(file, 'r');
	} catch {
		return [];
	}

	try {
		const {size} = await handle.stat();
		const start = Math.max(0, size - maxBytes);
		const buffer = Buffer.alloc(size - start);
		await handle.read(buffer, 0, buffer.length, start);
		return buffer
			.toString('utf8')
			.replaceAll(/\u001B\[[\d;?]*[A-Za-z]|\u001B[()][A-Z0-9]|\u001Bc/g, '')
			.replaceAll('\r', '')
			.replaceAll(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '')
			.split('\n')
			.map(line => line.trimEnd())
			.filter(line => line !== '')
			.slice(-lines);
	} finally {
		await handle.close();
	}
}
