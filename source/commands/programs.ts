import {accessSync, constants} from 'node:fs';
import path from 'node:path';

/** The path of an executable on $PATH, or undefined. */
export function findProgram(name: string, env: NodeJS.ProcessEnv): string | undefined {
	for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
		if (!dir) continue;
		const candidate = path.join(dir, name);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {}
	}

	return undefined;
}
