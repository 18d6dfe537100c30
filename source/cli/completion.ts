import type {OptionSpec} from '../engine/index.js';
import type {Command} from './command.js';

/**
 * Shell completion scripts for bash, zsh and fish, generated from the same command and flag
 * data as `--help`. Everything but machine names is written into the script; machine names are
 * read by the shell itself from the store's `machines/` directory at each request, so a
 * completion costs no Node start-up.
 */

/** What the word after a flag is: a driver name, a shell name, a file, the store, or free text. */
type ValueKind = 'driver' | 'shell' | 'file' | 'storage' | 'text';

export type CompletionFlag = {words: string[]; description: string; value?: ValueKind};

export type CompletionData = {
	program: string;
	globalFlags: CompletionFlag[];
	commands: Array<{name: string; usage: string; operands?: Command['operands']; flags: CompletionFlag[]}>;
	drivers: Array<{name: string; flags: CompletionFlag[]}>;
	shells: readonly string[];
};

export const completionShells = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof completionShells)[number];

const helpFlag: CompletionFlag = {words: ['--help', '-h'], description: 'show help'};

function valueKind(spec: OptionSpec, commandName: string): ValueKind | undefined {
	if (spec.type === 'bool') return undefined;
	if (commandName === '' && spec.name === 'storage-path') return 'storage';
	if (commandName === 'create' && spec.name === 'driver') return 'driver';
	if (commandName === 'env' && spec.name === 'shell') return 'shell';
	if (spec.format === 'file' || (commandName === '' && spec.name.startsWith('tls-'))) return 'file';
	return 'text';
}

/** One option as completion words: `--name` and its one-letter form. */
export function completionFlags(specs: readonly OptionSpec[], commandName: string): CompletionFlag[] {
	return specs.map(spec => ({
		// A one-letter name (rm's `-y`) is written with one dash, as --help shows it.
		words: [`${spec.name.length === 1 ? '-' : '--'}${spec.name}`, ...(spec.short ? [`-${spec.short}`] : [])],
		description: spec.description,
		value: valueKind(spec, commandName),
	}));
}

const single = (text: string) => `'${text.replaceAll("'", String.raw`'\''`)}'`;
const fishSingle = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)}'`;
const words = (flags: readonly CompletionFlag[]) => flags.flatMap(flag => flag.words).join(' ');
const functionPrefix = (program: string) => `_${program.replaceAll(/\W/g, '_')}`;

/**
 * Flags that take a value, keyed `COMMAND FLAG` (`.` for the global flags; a driver's under
 * `create`), grouped by the kind of value; and commands grouped by what their operands are.
 */
function lookupTables(data: CompletionData): {
	byKind: Map<ValueKind, string[]>;
	operandKinds: Map<string, string[]>;
	operandWords: Map<string, readonly string[]>;
} {
	const keyed = (key: string, flags: readonly CompletionFlag[]) =>
		flags.flatMap(flag => (flag.value ? flag.words.map(word => [`${key} ${word}`, flag.value!] as const) : []));
	const byKind = new Map<ValueKind, string[]>();
	for (const [pattern, kind] of [
		...keyed('.', data.globalFlags),
		...data.commands.flatMap(command => keyed(command.name, command.flags)),
		...data.drivers.flatMap(driver => keyed('create', driver.flags)),
	])
		byKind.set(kind, [...(byKind.get(kind) ?? []), pattern]);
	const operandKinds = new Map<string, string[]>();
	const operandWords = new Map<string, readonly string[]>();
	for (const command of data.commands) {
		if (typeof command.operands === 'string') operandKinds.set(command.operands, [...(operandKinds.get(command.operands) ?? []), command.name]);
		else if (command.operands) operandWords.set(command.name, command.operands);
	}

	return {byKind, operandKinds, operandWords};
}

/**
 * Data lookups as shell functions, the same text for bash and zsh: flags of a command (`.` for
 * the global ones) or driver, the kind of value a flag takes, and what a command's operands are.
 */
function posixData(data: CompletionData, prefix: string): string {
	const commandFlags = [['.', data.globalFlags] as const, ...data.commands.map(command => [command.name, [...command.flags, helpFlag]] as const)];
	const {byKind, operandKinds, operandWords} = lookupTables(data);

	return [
		`${prefix}_commands=${single(data.commands.map(command => command.name).join(' '))}`,
		`${prefix}_drivers=${single(data.drivers.map(driver => driver.name).join(' '))}`,
		`${prefix}_shells=${single(data.shells.join(' '))}`,
		`${prefix}_flags() {`,
		'\tcase $1 in',
		...commandFlags.map(([name, flags]) => `\t\t${single(name)}) reply=${single(words(flags))} ;;`),
		'\t\t*) reply= ;;',
		'\tesac',
		'}',
		`${prefix}_driver_flags() {`,
		'\tcase $1 in',
		...data.drivers.map(driver => `\t\t${single(driver.name)}) reply=${single(words(driver.flags))} ;;`),
		'\t\t*) reply= ;;',
		'\tesac',
		'}',
		`${prefix}_value_kind() {`,
		'\tcase "$1 $2" in',
		...[...byKind].map(([kind, patterns]) => `\t\t${patterns.map(pattern => single(pattern)).join('|')}) reply=${kind} ;;`),
		'\t\t*) reply= ;;',
		'\tesac',
		'}',
		`${prefix}_operands() {`,
		'\tcase $1 in',
		...[...operandKinds].map(([kind, names]) => `\t\t${names.join('|')}) reply=${kind} ;;`),
		...[...operandWords].map(([name, list]) => `\t\t${name}) reply=words operand_words=${single(list.join(' '))} ;;`),
		'\t\t*) reply= ;;',
		'\tesac',
		'}',
		// Walks the words before the cursor: the command, `create`'s driver, the store (-s), how
		// many operands are typed, and whether the word under the cursor is a flag's value.
		`${prefix}_scan() {`,
		'\tlocal word reply',
		'\tfor word in "$@"; do',
		'\t\tif [[ -n $expect ]]; then',
		'\t\t\tcase $expect in storage) store=$word ;; driver) driver=$word ;; esac',
		'\t\t\texpect=',
		'\t\t\tcontinue',
		'\t\tfi',
		// Go's flag syntax: `-name` is `--name`.
		'\t\t[[ $word == -[!-]?* ]] && word=-$word',
		'\t\tcase $word in',
		'\t\t\t--*=*)',
		`\t\t\t\t${prefix}_value_kind "\${command:-.}" "\${word%%=*}"`,
		'\t\t\t\tcase $reply in storage) store=${word#*=} ;; driver) driver=${word#*=} ;; esac ;;',
		'\t\t\t-*)',
		`\t\t\t\t${prefix}_value_kind "\${command:-.}" "$word"`,
		'\t\t\t\texpect=$reply ;;',
		'\t\t\t*)',
		'\t\t\t\tif [[ -z $command ]]; then command=$word; else positionals=$((positionals + 1)); fi ;;',
		'\t\tesac',
		'\tdone',
		'\tstore=${store/#\\~/$HOME}',
		'}',
	].join('\n');
}

function bashScript(data: CompletionData): string {
	const prefix = functionPrefix(data.program);
	return `# ${data.program} completion for bash. Install: ${data.program} completion bash > ~/.local/share/bash-completion/completions/${data.program}
${posixData(data, prefix)}
# compgen -W in $(…) forks once per request; a loop over the words costs no process.
${prefix}_offer() {
	local word
	for word in $1; do [[ $word == "$cur"* ]] && COMPREPLY+=("$word"); done
}
${prefix}() {
	local cur words cword
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur words cword
	else
		cur=\${COMP_WORDS[COMP_CWORD]} words=("\${COMP_WORDS[@]}") cword=$COMP_CWORD
	fi
	local command= driver= store=\${MACHINE_STORAGE_PATH:-$HOME/.docker/machine} expect= reply dir operand_words
	local -i positionals=0
	local -a names=()
	${prefix}_scan "\${words[@]:1:cword-1}"
	COMPREPLY=()
	case $expect in
		driver) ${prefix}_offer "$${prefix}_drivers"; return ;;
		shell) ${prefix}_offer "$${prefix}_shells"; return ;;
		storage) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return ;;
		file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
		text) return ;;
	esac
	if [[ $cur == -* ]]; then
		${prefix}_flags "\${command:-.}"
		if [[ $command == create && -n $driver ]]; then local common=$reply; ${prefix}_driver_flags "$driver"; reply="$common $reply"; fi
		${prefix}_offer "$reply"
		return
	fi
	if [[ -z $command ]]; then
		${prefix}_offer "$${prefix}_commands"
		return
	fi
	for dir in "$store"/machines/*/; do
		[[ -d $dir ]] || continue
		dir=\${dir%/}
		names+=("\${dir##*/}")
	done
	${prefix}_operands "$command"
	case $reply in
		machine) (( positionals == 0 )) && ${prefix}_offer "\${names[*]}" ;;
		machines) ${prefix}_offer "\${names[*]}" ;;
		commands) (( positionals == 0 )) && ${prefix}_offer "$${prefix}_commands" ;;
		words) (( positionals == 0 )) && ${prefix}_offer "$operand_words" ;;
		machine-paths)
			if [[ $cur != *:* ]]; then
				compopt -o nospace 2>/dev/null
				${prefix}_offer "\${names[*]/%/:}"
				COMPREPLY+=($(compgen -f -- "$cur"))
			fi
			declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur" ;;
	esac
}
complete -F ${prefix} ${data.program}
`;
}

function zshScript(data: CompletionData): string {
	const prefix = functionPrefix(data.program);
	const described = (items: ReadonlyArray<{name: string; description: string}>) =>
		items.map(item => single(`${item.name.replaceAll(':', String.raw`\:`)}:${item.description}`)).join(' ');
	return `#compdef ${data.program}
# ${data.program} completion for zsh. Install: ${data.program} completion zsh > "\${fpath[1]}/_${data.program}" (or: source <(${data.program} completion zsh) after compinit)
${posixData(data, prefix)}
${prefix}_descriptions=(${described(data.commands.map(command => ({name: command.name, description: command.usage})))})
${prefix}() {
	local command= driver= store=\${MACHINE_STORAGE_PATH:-$HOME/.docker/machine} expect= reply operand_words
	local -i positionals=0
	local -a names candidates
	${prefix}_scan "\${(@)words[2,CURRENT-1]}"
	case $expect in
		driver) compadd -- \${=${prefix}_drivers}; return ;;
		shell) compadd -- \${=${prefix}_shells}; return ;;
		storage) _files -/; return ;;
		file) _files; return ;;
		text) return 1 ;;
	esac
	if [[ $PREFIX == -* ]]; then
		${prefix}_flags "\${command:-.}"
		candidates=(\${=reply})
		if [[ $command == create && -n $driver ]]; then ${prefix}_driver_flags "$driver"; candidates+=(\${=reply}); fi
		compadd -- $candidates
		return
	fi
	if [[ -z $command ]]; then
		_describe -t commands command ${prefix}_descriptions
		return
	fi
	names=("$store"/machines/*(N/:t))
	${prefix}_operands "$command"
	case $reply in
		machine) (( positionals == 0 )) && compadd -- $names ;;
		machines) compadd -- $names ;;
		commands) (( positionals == 0 )) && compadd -- \${=${prefix}_commands} ;;
		words) (( positionals == 0 )) && compadd -- \${=operand_words} ;;
		machine-paths) [[ $PREFIX == *:* ]] || { compadd -S '' -- \${^names}:; _files } ;;
	esac
}
if [[ \${funcstack[1]} == ${prefix} ]]; then
	${prefix} "$@"
else
	compdef ${prefix} ${data.program}
fi
`;
}

function fishScript(data: CompletionData): string {
	const prefix = `_${functionPrefix(data.program)}`;
	const flagLines = (flags: readonly CompletionFlag[]) =>
		flags.flatMap(flag => flag.words.map(word => `\t\t\tprintf '%s\\t%s\\n' ${fishSingle(word)} ${fishSingle(flag.description)}`));
	const {byKind, operandKinds, operandWords} = lookupTables(data);

	return String.raw`# ${data.program} completion for fish. Install: ${data.program} completion fish > ~/.config/fish/completions/${data.program}.fish
function ${prefix}_flags
	switch $argv[1]
${[['.', data.globalFlags] as const, ...data.commands.map(command => [command.name, [...command.flags, helpFlag]] as const)].map(([name, flags]) => `\t\tcase ${fishSingle(name)}\n${flagLines(flags).join('\n')}`).join('\n')}
	end
end

function ${prefix}_driver_flags
	switch $argv[1]
${data.drivers.map(driver => `\t\tcase ${fishSingle(driver.name)}\n${flagLines(driver.flags).join('\n')}`).join('\n')}
	end
end

function ${prefix}_value_kind
	switch "$argv[1] $argv[2]"
${[...byKind].map(([kind, patterns]) => `\t\tcase ${patterns.map(pattern => fishSingle(pattern)).join(' ')}\n\t\t\techo ${kind}`).join('\n')}
	end
end

function ${prefix}_operands
	switch $argv[1]
${[...operandKinds].map(([kind, names]) => `\t\tcase ${names.join(' ')}\n\t\t\techo ${kind}`).join('\n')}
${[...operandWords].map(([name, list]) => `\t\tcase ${name}\n\t\t\techo words ${list.join(' ')}`).join('\n')}
	end
end

function ${prefix}_complete
	set -l command
	set -l driver
	set -l store $HOME/.docker/machine
	set -q MACHINE_STORAGE_PATH; and test -n "$MACHINE_STORAGE_PATH"; and set store $MACHINE_STORAGE_PATH
	set -l expect
	set -l positionals 0
	for word in (commandline -opc)[2..-1]
		if test -n "$expect"
			switch $expect
				case storage
					set store $word
				case driver
					set driver $word
			end
			set expect
			continue
		end
		# Go's flag syntax: -name is --name.
		string match -qr -- '^-[^-].' $word; and set word -$word
		switch $word
			case '--*=*'
				set -l parts (string split -m 1 = -- $word)
				switch (${prefix}_value_kind (test -n "$command"; and echo $command; or echo .) $parts[1])
					case storage
						set store $parts[2]
					case driver
						set driver $parts[2]
				end
			case '-*'
				set expect (${prefix}_value_kind (test -n "$command"; and echo $command; or echo .) $word)
			case '*'
				if test -z "$command"
					set command $word
				else
					set positionals (math $positionals + 1)
				end
		end
	end
	set store (string replace -r '^~' -- $HOME $store)
	set -l current (commandline -ct)
	switch "$expect"
		case driver
			printf '%s\n' ${data.drivers.map(driver => fishSingle(driver.name)).join(' ')}
			return
		case shell
			printf '%s\n' ${data.shells.map(shell => fishSingle(shell)).join(' ')}
			return
		case storage file
			__fish_complete_path $current
			return
		case text
			return
	end
	if string match -q -- '-*' $current
		${prefix}_flags (test -n "$command"; and echo $command; or echo .)
		test "$command" = create; and test -n "$driver"; and ${prefix}_driver_flags $driver
		return
	end
	if test -z "$command"
${data.commands.map(command => `\t\tprintf '%s\\t%s\\n' ${fishSingle(command.name)} ${fishSingle(command.usage)}`).join('\n')}
		return
	end
	set -l dirs $store/machines/*/
	set -l names (string replace -r '/$' '' -- $dirs | string replace -r '.*/' '')
	set -l operands (${prefix}_operands $command | string split ' ')
	switch "$operands[1]"
		case words
			test $positionals -eq 0; and printf '%s\n' $operands[2..-1]
		case machine
			test $positionals -eq 0; and printf '%s\n' $names
		case machines
			printf '%s\n' $names
		case commands
			test $positionals -eq 0; and printf '%s\n' ${data.commands.map(command => command.name).join(' ')}
		case machine-paths
			if not string match -q -- '*:*' $current
				printf '%s:\n' $names
				__fish_complete_path $current
			end
	end
end

complete -c ${data.program} -f -a '(${prefix}_complete)'
`;
}

export function renderCompletion(shell: CompletionShell, data: CompletionData): string {
	switch (shell) {
		case 'bash': {
			return bashScript(data);
		}

		case 'zsh': {
			return zshScript(data);
		}

		case 'fish': {
			return fishScript(data);
		}
	}
}
