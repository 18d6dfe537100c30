/** The fields of /etc/os-release that choose a provisioner. */
export type OsRelease = {
	id: string;
	/** ID_LIKE split into words: `rhel centos fedora` → three entries. */
	idLike: string[];
	versionId: string;
	prettyName: string;
	raw: Readonly<Record<string, string>>;
};

/**
 * Parses os-release(5): KEY=value lines, values optionally in double or single quotes with
 * backslash escapes. docker-machine split on `=` and lost values containing one, and ignored
 * single quotes; both are valid there.
 */
export function parseOsRelease(text: string): OsRelease {
	const raw: Record<string, string> = {};
	for (const line of text.split('\n')) {
		const match = /^\s*([A-Z][A-Z0-9_]*)=(.*?)\s*$/.exec(line);
		if (!match) continue;
		let value = match[2]!;
		const quote = value[0];
		if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
			value = value.slice(1, -1);
			if (quote === '"') value = value.replaceAll(/\\(["\\$`])/g, '$1');
		}

		raw[match[1]!] = value;
	}

	return {
		id: (raw.ID ?? '').toLowerCase(),
		idLike: (raw.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
		versionId: raw.VERSION_ID ?? '',
		prettyName: raw.PRETTY_NAME ?? raw.NAME ?? '',
		raw,
	};
}
