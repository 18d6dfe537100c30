/**
 * Quoting for values that reach a remote POSIX shell. sshd hands every command string to the
 * login user's shell, so a value that is not quoted here can run code on the machine. Inside
 * single quotes a POSIX shell interprets nothing, not even backslashes; the only character that
 * needs care is the single quote itself, which we close, escape and reopen: `'\''`.
 */
import {MachinistError} from '../errors.js';

// Lone UTF-16 surrogates would be sent as U+FFFD, so the remote side would get other bytes.
const loneSurrogate = /\p{Cs}/u;

/** `value` as one word for a POSIX shell: the shell passes exactly these characters on. */
export function shellQuote(value: string): string {
	// Shell words are C strings: the shell would cut the value at the NUL, silently.
	if (value.includes('\0')) {
		throw new MachinistError('A value for the remote shell contains a NUL byte, which no shell argument can carry; remove it');
	}

	if (loneSurrogate.test(value)) {
		throw new MachinistError('A value for the remote shell contains invalid Unicode (a lone surrogate); pass well-formed text');
	}

	return `'${value.replaceAll("'", String.raw`'\''`)}'`;
}

/** A command line whose words the remote shell passes on unchanged, the first being the program. */
export function shellCommand(words: readonly string[]): string {
	if (words.length === 0) throw new MachinistError('Cannot run an empty command over SSH: give at least the program name');
	return words.map(word => shellQuote(word)).join(' ');
}
