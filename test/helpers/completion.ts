import {execFile} from 'node:child_process';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';

export type CompletionShell = 'bash' | 'zsh' | 'fish';

export type CompletionRequest = {
	/** The completion script, as `machinist completion SHELL` printed it. */
	scriptFile: string;
	/** The command line up to the cursor, e.g. `machinist ls -`. */
	line: string;
	env: NodeJS.ProcessEnv;
	/** A scratch directory for the harness files. */
	dir: string;
};

export type CompletionAnswer = {words: string[]};

async function run(binary: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(binary, args, {env: {PATH: process.env.PATH, ...env}, timeout: 20_000}, (error, stdout, stderr) => {
			if (error) reject(new Error(`${binary} ${args.join(' ')}: ${error.message}\n${stderr}`));
			else resolve(stdout);
		});
	});
}

const lines = (text: string) => text.split('\n').filter(line => line !== '');

/**
 * bash as readline calls it: bash-completion loaded, COMP_* set from the line (split at blanks;
 * a trailing blank starts an empty word), the script's function called, COMPREPLY printed.
 */
async function bash(request: CompletionRequest): Promise<CompletionAnswer> {
	const harness = path.join(request.dir, 'harness.bash');
	await writeFile(
		harness,
		`
source /usr/share/bash-completion/bash_completion
source "$1"
COMP_LINE=$2
COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
complete_function=$(complete -p machinist | sed -E 's/.*-F ([^ ]+).*/\\1/')
"$complete_function" machinist "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf 'word:%s\\n' "\${COMPREPLY[@]}"
`,
	);
	const output = lines(await run('bash', ['--noprofile', '--norc', harness, request.scriptFile, request.line], request.env));
	return {words: output.filter(line => line.startsWith('word:')).map(line => line.slice(5))};
}

/**
 * zsh's real completion system in an interactive zsh on a pseudo-terminal (zpty): compinit, the
 * script, then the line and a Tab. compadd is wrapped to print what it adds after zsh's own
 * matching against the word under the cursor; the shell exits once completion ends.
 */
async function zsh(request: CompletionRequest): Promise<CompletionAnswer> {
	const setup = path.join(request.dir, 'setup.zsh');
	const driver = path.join(request.dir, 'driver.zsh');
	await writeFile(
		setup,
		`
PROMPT=
autoload -Uz compinit && compinit -u -D
source ${JSON.stringify(request.scriptFile)}
bindkey '^I' complete-word
compadd() {
	local -a __hits
	# Calls that only fill arrays (-O, -A, -D before the words) add nothing yet.
	local -a options=("\${(@)@[1,\${@[(i)--]}]}")
	if (( \${options[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
	builtin compadd -O __hits "$@"
	local word
	for word in $__hits; do print -r -- "word:$word"; done
	builtin compadd "$@"
}
completion-finished() { exit }
comppostfuncs=(completion-finished)
print ready
`,
	);
	await writeFile(
		driver,
		`
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "source \${(q)1}"
local line
while zpty -r z line; do [[ $line == ready* ]] && break; done
zpty -w -n z "$2"$'\\t'
while zpty -r z line; do print -r -- "$line"; done
`,
	);
	const output = lines((await run('zsh', ['-f', driver, setup, request.line], request.env)).replaceAll('\r', ''));
	const words = output.flatMap(line => {
		const at = line.indexOf('word:');
		return at === -1 ? [] : [line.slice(at + 5)];
	});
	return {words};
}

/** fish's own `complete -C LINE`, the call its completion pager makes. */
async function fish(request: CompletionRequest): Promise<CompletionAnswer> {
	const output = lines(
		await run(
			'fish',
			[
				'--no-config',
				'-c',
				String.raw`
source $argv[1]
printf 'word:%s\n' (complete -C $argv[2])
`,
				request.scriptFile,
				request.line,
			],
			request.env,
		),
	);
	return {words: output.filter(line => line.startsWith('word:')).map(line => line.slice(5).split('\t')[0]!)};
}

/** The words a shell offers for a command line, sorted and without duplicates. */
export async function completions(shell: CompletionShell, request: CompletionRequest): Promise<CompletionAnswer> {
	const answer = await {bash, zsh, fish}[shell](request);
	return {...answer, words: [...new Set(answer.words)].filter(word => word !== '').sort()};
}
