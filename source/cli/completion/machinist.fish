# machinist completion for fish. Install: machinist completion fish > ~/.config/fish/completions/machinist.fish
# @generated: the lookups (words, flags, driver_flags, value_kind, operands) from the command table

function __machinist_complete
	set -l command
	set -l driver
	set -l store $HOME/.docker/machine
	set -q MACHINE_STORAGE_PATH; and test -n "$MACHINE_STORAGE_PATH"; and set store $MACHINE_STORAGE_PATH
	set -l expect
	set -l positionals 0
	# The word scanner: the command, `create`'s driver, the store (-s), how many operands are
	# typed, and what kind of value the word under the cursor is for.
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
		set -l key (test -n "$command"; and echo $command; or echo .)
		switch $word
			case '--*=*'
				set -l parts (string split -m 1 = -- $word)
				switch (__machinist_value_kind "$key $parts[1]")
					case storage
						set store $parts[2]
					case driver
						set driver $parts[2]
				end
			case '-*'
				set expect (__machinist_value_kind "$key $word")
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
			__machinist_words drivers
			return
		case shell
			__machinist_words shells
			return
		case storage file
			__fish_complete_path $current
			return
		case text
			return
	end
	if string match -q -- '-*' $current
		__machinist_flags (test -n "$command"; and echo $command; or echo .)
		test "$command" = create; and test -n "$driver"; and __machinist_driver_flags $driver
		return
	end
	if test -z "$command"
		__machinist_words commands
		return
	end
	set -l dirs $store/machines/*/
	set -l names (string replace -r '/$' '' -- $dirs | string replace -r '.*/' '')
	switch (__machinist_operands $command)
		case words
			test $positionals -eq 0; and __machinist_words $command
		case machine
			test $positionals -eq 0; and printf '%s\n' $names
		case machines
			printf '%s\n' $names
		case machine-paths
			if not string match -q -- '*:*' $current
				printf '%s:\n' $names
				__fish_complete_path $current
			end
	end
end

complete -c machinist -f -a '(__machinist_complete)'
