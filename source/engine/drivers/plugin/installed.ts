// The driver plugins installed on a PATH: docker-machine-driver-NAME executables.
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {findProgram} from '../../programs.js';

const prefix = 'docker-machine-driver-';

export function pluginBinaryName(driverName: string): string {
	return `${prefix}${driverName}`;
}

/** The names of the plugins on `env`'s PATH, sorted, each once (the first on PATH is the one run). */
export function installedPlugins(env: NodeJS.ProcessEnv): string[] {
	const names = new Set<string>();
	for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
		let entries: string[];
		try {
			entries = readdirSync(dir);
		} catch {
			continue;
		}

		for (const entry of entries) {
			const name = entry.slice(prefix.length);
			if (entry.startsWith(prefix) && /^[\w.-]+$/.test(name) && findProgram(path.join(dir, entry), env)) names.add(name);
		}
	}

	return [...names].sort();
}
