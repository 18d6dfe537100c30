import {statSync} from 'node:fs';

/**
 * The create form's "file exists" check, run as the user types a path (an SSH key). It is
 * synchronous on purpose: one stat per key press is cheap, and the answer is in the same frame.
 */
export function fileProblem(file: string): string | undefined {
	try {
		return statSync(file).isFile() ? undefined : `${file} is not a file`;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : (error as Error).message;
	}
}
