import {readFileSync} from 'node:fs';

export const version = '0.1.0';

/** The commit the build was made from, recorded by `npm run build`; empty when unknown. */
export function buildCommit(): string {
	try {
		const info = JSON.parse(readFileSync(new URL('build-info.json', import.meta.url), 'utf8')) as {commit?: string};
		return info.commit ?? '';
	} catch {
		return '';
	}
}

export function versionLine(program: string): string {
	const commit = buildCommit();
	return `${program} version ${version}${commit ? `, build ${commit}` : ''}`;
}
