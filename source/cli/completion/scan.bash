# The word scanner of the bash and the zsh script, which both run it as it is. It walks the words
# before the cursor and sets its caller's locals: the command, `create`'s driver, the store (-s),
# how many operands are typed, and `expect`, the kind of value the word under the cursor is for.
# shellcheck disable=SC2034 # driver is the caller's
_machinist_scan() {
	local word reply
	for word in "$@"; do
		if [[ -n $expect ]]; then
			case $expect in storage) store=$word ;; driver) driver=$word ;; esac
			expect=''
			continue
		fi
		# Go's flag syntax: `-name` is `--name`.
		[[ $word == -[!-]?* ]] && word=-$word
		case $word in
			--*=*)
				_machinist_value_kind "${command:-.} ${word%%=*}"
				case $reply in storage) store=${word#*=} ;; driver) driver=${word#*=} ;; esac ;;
			-*)
				_machinist_value_kind "${command:-.} $word"
				expect=$reply ;;
			*)
				if [[ -z $command ]]; then command=$word; else positionals=$((positionals + 1)); fi ;;
		esac
	done
	store=${store/#\~/$HOME}
}
