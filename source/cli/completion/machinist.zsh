#compdef machinist
# machinist completion for zsh. Install: machinist completion zsh > "${fpath[1]}/_machinist" (or: source <(machinist completion zsh) after compinit)
# @generated: the lookups (words, flags, driver_flags, value_kind, operands) and _machinist_descriptions from the command table, and scan.bash
_machinist() {
	local command= driver= store=${MACHINE_STORAGE_PATH:-$HOME/.docker/machine} expect= reply
	local -i positionals=0
	local -a names candidates
	_machinist_scan "${(@)words[2,CURRENT-1]}"
	case $expect in
		driver) _machinist_words drivers && compadd -- ${=reply}; return ;;
		shell) _machinist_words shells && compadd -- ${=reply}; return ;;
		storage) _files -/; return ;;
		file) _files; return ;;
		text) return 1 ;;
	esac
	if [[ $PREFIX == -* ]]; then
		_machinist_flags "${command:-.}"
		candidates=(${=reply})
		if [[ $command == create && -n $driver ]]; then _machinist_driver_flags "$driver"; candidates+=(${=reply}); fi
		compadd -- $candidates
		return
	fi
	if [[ -z $command ]]; then
		_describe -t commands command _machinist_descriptions
		return
	fi
	names=("$store"/machines/*(N/:t))
	_machinist_operands "$command"
	case $reply in
		machine) (( positionals == 0 )) && compadd -- $names ;;
		machines) compadd -- $names ;;
		words) (( positionals == 0 )) && _machinist_words "$command" && compadd -- ${=reply} ;;
		machine-paths) [[ $PREFIX == *:* ]] || { compadd -S '' -- ${^names}:; _files } ;;
	esac
}
if [[ ${funcstack[1]} == _machinist ]]; then
	_machinist "$@"
else
	compdef _machinist machinist
fi
