# machinist completion for bash. Install: machinist completion bash > ~/.local/share/bash-completion/completions/machinist
# @generated: the lookups (words, flags, driver_flags, value_kind, operands) from the command table, and scan.bash
# compgen -W in $(…) forks once per request; a loop over the words costs no process.
_machinist_offer() {
	local word
	for word in $1; do [[ $word == "$cur"* ]] && COMPREPLY+=("$word"); done
}
_machinist() {
	local cur words cword
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur words cword
	else
		cur=${COMP_WORDS[COMP_CWORD]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	fi
	local command='' driver='' store=${MACHINE_STORAGE_PATH:-$HOME/.docker/machine} expect='' reply dir
	local -i positionals=0
	local -a names=()
	_machinist_scan "${words[@]:1:cword-1}"
	COMPREPLY=()
	case $expect in
		driver) _machinist_words drivers && _machinist_offer "$reply"; return ;;
		shell) _machinist_words shells && _machinist_offer "$reply"; return ;;
		storage) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
		file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
		text) return ;;
	esac
	if [[ $cur == -* ]]; then
		_machinist_flags "${command:-.}"
		if [[ $command == create && -n $driver ]]; then local common=$reply; _machinist_driver_flags "$driver"; reply="$common $reply"; fi
		_machinist_offer "$reply"
		return
	fi
	if [[ -z $command ]]; then
		_machinist_words commands && _machinist_offer "$reply"
		return
	fi
	for dir in "$store"/machines/*/; do
		[[ -d $dir ]] || continue
		dir=${dir%/}
		names+=("${dir##*/}")
	done
	_machinist_operands "$command"
	case $reply in
		machine) (( positionals == 0 )) && _machinist_offer "${names[*]}" ;;
		machines) _machinist_offer "${names[*]}" ;;
		words) (( positionals == 0 )) && _machinist_words "$command" && _machinist_offer "$reply" ;;
		machine-paths)
			if [[ $cur != *:* ]]; then
				compopt -o nospace 2>/dev/null
				_machinist_offer "${names[*]/%/:}"
				mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
			fi
			declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur" ;;
	esac
}
complete -F _machinist machinist
