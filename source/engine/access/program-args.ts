// How ssh options are written for the programs that pass them on to ssh (rsync, sshfs).

/** One word of rsync's `-e` command: rsync splits it on spaces and takes quotes, doubled inside. */
export function rsyncShellWord(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "''")}'`;
}

/** An ssh option for sshfs's `-o`, where FUSE splits on commas and takes backslash escapes. */
export function sshfsOption(option: string): string {
	return option.replaceAll(/[\\,]/g, match => `\\${match}`);
}
