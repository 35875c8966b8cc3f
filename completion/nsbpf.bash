# bash completion for nsbpf(1).
#
# The candidates come from the binary itself: `nsbpf __complete CWORD
# WORD...` reads the tables its --help and its parser read (commands,
# sub-commands, options, option values) and the labs that are up (their
# nodes, networks and maps), so a new command completes without a change
# here. "@files" and "@commands" in its answer ask for file and command
# names.

_nsbpf() {
	local line=${COMP_LINE:0:COMP_POINT} cur cmd c out pre
	local -a words
	local cword

	# Split the line as typed: NODE:PORT and --opt=value stay one word,
	# whatever COMP_WORDBREAKS says (no word of nsbpf holds a space).
	read -r -a words <<<"$line"
	[[ -z $line || $line == *[[:space:]] ]] && words+=("")
	cword=$((${#words[@]} - 1))
	cur=${words[cword]}
	cmd=${words[0]/#\~/$HOME}
	out=$("$cmd" __complete "$cword" "${words[@]}" 2>/dev/null) || return 0

	COMPREPLY=()
	local IFS=$'\n'
	for c in $out; do
		case $c in
		@files)
			compopt -o filenames 2>/dev/null
			COMPREPLY+=($(compgen -f -- "$cur"))
			;;
		@commands) COMPREPLY+=($(compgen -c -- "$cur")) ;;
		*) COMPREPLY+=("$c") ;;
		esac
	done
	# bash replaces only what follows the last ':' or '=' it breaks words at.
	pre=${cur%"${cur##*[:=]}"}
	if [[ -n $pre && $COMP_WORDBREAKS == *"${pre: -1}"* ]]; then
		COMPREPLY=("${COMPREPLY[@]#"$pre"}")
	fi
	# "earth:" and "--format=" want their value right after them.
	if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *[:=] ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

complete -F _nsbpf nsbpf
