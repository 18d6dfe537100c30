/**
 * Running a command as root on a machine we log into as someone else. `sudo -n` never prompts:
 * a prompt would hang an unattended provisioning run, so sudo fails at once instead and we say
 * how to fix the host.
 */
import {MachinistError} from '../errors.js';
import {shellQuote} from './quote.js';

/**
 * `command` (a shell script) run as root: `sudo -n sh -c '…'` for an ordinary user, plain
 * `sh -c '…'` for root, so a script behaves the same whoever logs in.
 */
export function privilegedCommand(command: string, user: string): string {
	return user === 'root' ? `sh -c ${shellQuote(command)}` : `sudo -n sh -c ${shellQuote(command)}`;
}

export type SudoProblem = 'password' | 'tty' | 'missing' | 'not-allowed';

/** Which refusal sudo printed, if it refused; `output` is stderr (or stdout under a pty). */
export function sudoProblem(output: string, code: number | null): SudoProblem | undefined {
	if (/^sudo: (a password is required|no tty present and no askpass program specified)/m.test(output)) return 'password';
	if (output.includes('sorry, you must have a tty to run sudo')) return 'tty';
	if (/is not in the sudoers file|is not allowed to (run sudo|execute)/m.test(output)) return 'not-allowed';
	if (code === 127 && /\bsudo\b.*(not found|No such file)/m.test(output)) return 'missing';
	return undefined;
}

export class SudoError extends MachinistError {
	readonly problem: SudoProblem;

	constructor(problem: SudoProblem, hostLabel: string, user: string) {
		const messages: Record<SudoProblem, string> = {
			password: `sudo on ${hostLabel} needs a password for ${user}: give ${user} passwordless sudo (NOPASSWD) or use root`,
			tty: `sudo on ${hostLabel} requires a terminal for ${user} ("Defaults requiretty"): drop requiretty for ${user} in sudoers or use root`,
			'not-allowed': `${user} may not use sudo on ${hostLabel}: allow ${user} in sudoers (with NOPASSWD) or use root`,
			missing: `sudo is not installed on ${hostLabel}: install it or connect as root`,
		};
		super(messages[problem]);
		this.name = 'SudoError';
		this.problem = problem;
	}
}
