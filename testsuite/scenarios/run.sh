#!/bin/bash
# Scenario runner: run each scenario directory against kmod's tools and against ours,
# on the LD_PRELOAD fake kernel, and compare with the expected files. Prints TAP.
# See testsuite/scenarios/README.md for the format.
#
# usage: run.sh [--impl kmod|my|both] [--bless] [--keep] [--verbose] SCENARIO_DIR...
#   --impl     which implementation(s) to run (default both)
#   --bless    write the expected-* files from kmod's run (review them before committing!);
#              where a file has a kmod variant (expected-F.kmod), the variant is written
#              and the base file (our expectation) is left alone
#   --keep     keep the scratch directories (their paths are printed as TAP comments)
#   --verbose  print the outputs of every run as TAP comments
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/testsuite/tap.sh"

impls="kmod my"
bless=0 keep=0 verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	--impl)
		case $2 in kmod | my) impls=$2 ;; both) impls="kmod my" ;; *) bail_out "bad --impl $2" ;; esac
		shift 2 ;;
	--bless) bless=1; impls=kmod; shift ;;
	--keep) keep=1; shift ;;
	--verbose) verbose=1; shift ;;
	--) shift; break ;;
	-*) bail_out "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || bail_out "usage: run.sh [--impl kmod|my|both] [--bless] [--keep] SCENARIO_DIR..."
# expectations only ever come from kmod's run, whatever --impl said
[ $bless = 0 ] || impls=kmod

ELFGEN=$top_builddir/testsuite/elfgen
FAKEKERNEL=$top_builddir/testsuite/fakekernel/fakekernel.so
: "${DEPMOD:=/usr/sbin/depmod}"
[ -x "$ELFGEN" ] || bail_out "$ELFGEN not built (make check builds it)"
[ -f "$FAKEKERNEL" ] || bail_out "$FAKEKERNEL not built (make check builds it)"
export ELFGEN FAKEKERNEL DEPMOD

TOOLS_LIST="insmod rmmod lsmod modprobe depmod modinfo"
# the binary of TOOL for IMPL, in $bin. The runner forks as little as it can: a
# process costs ~20 ms on the CI machine, and it runs about 600 scenarios.
tool_bin() {
	local impl=$1 tool=$2 var
	if [ "$impl" = kmod ]; then
		var=KMOD_${tool^^}
		bin=${!var:-/usr/sbin/$tool}
	else
		var=MY_${tool^^}
		bin=${!var:-$top_builddir/tools/my$tool}
	fi
}

# scratch space on tmpfs when possible: its readdir order (holders/) is stable
if [ -z "${SCENARIO_TMPDIR:-}" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then SCENARIO_TMPDIR=/dev/shm; else SCENARIO_TMPDIR=${TMPDIR:-/tmp}; fi
fi
runner_tmp=$(mktemp -d "$SCENARIO_TMPDIR/scenarios.XXXXXX") || bail_out "mktemp"
trap 'rm -rf "$runner_tmp"' EXIT

# final state of the fake kernel, one line per /sys/module entry (sorted):
# NAME INITSTATE REFCNT HOLDERS [PARAM=VALUE...]; "-" for a missing file or none
dump_modules() {
	local root=$1 d name st ref hold p v line
	for d in "$root"/sys/module/*/; do
		[ -d "$d" ] || continue
		name=${d%/}
		name=${name##*/}
		first_line "$d/initstate" st
		first_line "$d/refcnt" ref
		hold=
		for p in "$d"holders/*; do
			[ -e "$p" ] || [ -L "$p" ] || continue
			hold+=${hold:+,}${p##*/}
		done
		line="$name $st $ref ${hold:--}"
		for p in "$d"parameters/*; do
			[ -f "$p" ] || continue
			first_line "$p" v
			line="$line ${p##*/}=$v"
		done
		echo "$line"
	done | LC_ALL=C sort
}

# first_line FILE VAR: VAR = FILE's first line, "" when it is empty, "-" when it
# cannot be read: $(cat FILE) without the fork, for files of one line
first_line() {
	local -n line_of=$2
	line_of=-
	[ -r "$1" ] && ! [ -d "$1" ] || return 0
	IFS= read -r line_of <"$1" || true
}

# Replace the program names and the rootfs path by placeholders: @ROOTFS@, @INSMOD@,
# @MODPROBE@, ... Both implementations run with argv[0] = the plain tool name
# (insmod, ...), which is replaced where a program prints its own name: at the start
# of a line before ':' ("insmod: ERROR: ...") and in usage lines ("Usage: insmod",
# or a line starting with white space then the name); a name that differs from the
# tool name (myinsmod, if a tool prints a fixed name) is replaced everywhere.
normalize() {
	local impl=$1 root=$2 t n up expr=()
	for t in $TOOLS_LIST; do
		tool_bin "$impl" "$t"
		n=${bin##*/}
		up=@${t^^}@
		[ "$n" != "$t" ] && expr+=(-e "s|\\b$n\\b|$up|g")
		expr+=(-e "s|^$t:|$up:|" -e "s|^\\([[:space:]]\\+\\)$t\\b|\\1$up|"
			-e "s|Usage: $t\\b|Usage: $up|")
	done
	shift 2
	sed -e "s|$root|@ROOTFS@|g" "${expr[@]}" "$@"
}

# the expected file for IMPL, in $want: NAME.IMPL if present, else NAME
expected() {
	local dir=$1 name=$2 impl=$3
	if [ -f "$dir/$name.$impl" ]; then want=$dir/$name.$impl; else want=$dir/$name; fi
}

# same_files A1 B1 A2 B2...: each Ai has the bytes of Bi (one md5sum for all, not a
# cmp per pair)
same_files() {
	local -a sums=()
	local i sum rest
	while read -r sum rest; do sums+=("$sum"); done < <(md5sum -- "$@")
	[ ${#sums[@]} -eq $# ] || return 1
	for ((i = 0; i < $#; i += 2)); do
		[ "${sums[i]}" = "${sums[i + 1]}" ] || return 1
	done
}

# bin_dir IMPL: $bindir, a directory of symlinks named like kmod's tools to IMPL's
# binaries, made once per run of this script
bin_dir() {
	local t bin
	bindir=$runner_tmp/bin-$1
	[ -d "$bindir" ] && return
	mkdir -p "$bindir"
	for t in $TOOLS_LIST; do
		tool_bin "$1" "$t"
		ln -s "$bin" "$bindir/$t"
	done
}

# compare_file DESC EXPECTED GOT: prints nothing and returns 0 when equal
compare_file() {
	local what=$1 want=$2 got=$3
	if ! cmp -s "$want" "$got"; then
		echo "$what differs:"
		diff -u "$want" "$got" | sed '1,2d' | head -40
		return 1
	fi
}

run_one() {
	local dir=$1 impl=$2 sname tmp root kver rc t bin missing="" fail="" f cmd_text bindir
	sname=${dir##*/}
	IFS= read -r -d '' cmd_text <"$dir/cmd"

	for t in $TOOLS_LIST; do
		if [[ $cmd_text =~ (^|[^[:alnum:]_])$t([^[:alnum:]_]|$) ]]; then
			tool_bin "$impl" "$t"
			[ -x "$bin" ] || missing="$missing $bin"
		fi
	done
	if [ -n "$missing" ]; then
		not_ok "$sname [$impl]: not built or not installed:$missing"
		return
	fi
	# a variant expectation must say why
	if compgen -G "$dir/expected-*.$impl" >/dev/null && [ ! -s "$dir/diverges" ]; then
		not_ok "$sname [$impl]: expected-*.$impl without a 'diverges' file saying why"
		return
	fi

	tmp=$(mktemp -d "$SCENARIO_TMPDIR/scenario.XXXXXX") || bail_out "mktemp"
	root=$tmp/rootfs
	kver=6.1.0-fakekernel
	[ -f "$dir/kver" ] && first_line "$dir/kver" kver
	bin_dir "$impl"
	mkdir -p "$root/proc" "$root/sys/module" "$root/lib/modules/$kver" \
		"$root/etc/modprobe.d" "$root/tmp" "$root/fakekernel"
	: >"$root/proc/modules"

	# setup, without the fake kernel's path redirection
	if [ -f "$dir/setup" ]; then
		if ! (cd "$root" && ROOTFS=$root KVER=$kver MODDIR=$root/lib/modules/$kver \
			SCENARIO=$dir bash -e -c '. "$1"; . "$2"' setup \
			"$here/lib.sh" "$dir/setup") >"$tmp/setup.log" 2>&1; then
			not_ok "$sname [$impl]: setup failed"
			diag "$(cat "$tmp/setup.log")"
			[ $keep = 1 ] || rm -rf "$tmp"
			return
		fi
	fi
	# what setup did through the fake kernel is not part of the expectations
	rm -f "$root/fakekernel/log" "$root/fakekernel/dmesg"

	# the command: a bash snippet in which the tool names run IMPL's binaries
	(
		cd "$root" || exit 99
		export FAKEKERNEL_ROOTFS=$root FAKEKERNEL_UNAME_R=$kver
		if [ -f "$dir/env" ]; then
			while IFS= read -r line; do
				case $line in '' | \#*) continue ;; esac
				export "${line?}"
			done <"$dir/env"
		fi
		# each tool is run through PATH, from bin_dir's symlinks named like
		# kmod's tools, so that argv[0] is the plain tool name for both
		for t in $TOOLS_LIST; do
			eval "$t() { LD_PRELOAD=\"$FAKEKERNEL\${LD_PRELOAD:+:\$LD_PRELOAD}\" PATH=\"$bindir:\$PATH\" timeout 30 $t \"\$@\"; }"
		done
		ROOTFS=$root KVER=$kver
		. "$dir/cmd"
	) >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	normalize "$impl" "$root" -i "$tmp/stdout" "$tmp/stderr"
	echo "$rc" >"$tmp/exit"
	dump_modules "$root" >"$tmp/modules"
	[ -f "$root/fakekernel/log" ] && normalize "$impl" "$root" <"$root/fakekernel/log" >"$tmp/log"
	[ -f "$tmp/log" ] || : >"$tmp/log"

	if [ $verbose = 1 ]; then
		diag "--- $sname [$impl] stdout" "$(cat "$tmp/stdout")" "--- stderr" \
			"$(cat "$tmp/stderr")" "--- exit $rc" "--- modules" "$(cat "$tmp/modules")"
	fi

	if [ $bless = 1 ]; then
		# kmod's run: its variant where there is one, else the shared file
		local written=
		for f in stdout stderr exit modules log; do
			expected "$dir" "expected-$f" kmod
			cp "$tmp/$f" "$want"
			written="$written ${want##*/}"
		done
		ok "$sname [$impl]: blessed:$written"
	else
		local report="" pairs=() i
		for f in stdout stderr exit modules log; do
			expected "$dir" "expected-$f" "$impl"
			if [ ! -f "$want" ]; then
				case $f in
				exit) echo 0 >"$tmp/want-exit"; want=$tmp/want-exit ;;
				log)
					# the call log is always checked: which syscall, its flags
					# and parameters are what the tools are for
					report+="no expected-log (write it with --bless)"$'\n'
					fail=1
					continue
					;;
				*) : >"$tmp/want-$f"; want=$tmp/want-$f ;;
				esac
			fi
			pairs+=("$want" "$tmp/$f")
		done
		same_files "${pairs[@]}" || fail=1
		# the report, only for a run that failed: diff each pair that differs
		if [ -n "$fail" ]; then
			for ((i = 0; i < ${#pairs[@]}; i += 2)); do
				f=${pairs[i + 1]##*/}
				report+=$(compare_file "$f" "${pairs[i]}" "${pairs[i + 1]}")
				report+=$'\n'
			done
		fi
		if [ -z "$fail" ]; then
			ok "$sname [$impl]"
		else
			not_ok "$sname [$impl]"
			diag "$report"
		fi
	fi
	if [ $keep = 1 ]; then
		diag "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}

for dir in "$@"; do
	dir=$(cd "$dir" && pwd) || { not_ok "$dir: no such scenario"; continue; }
	[ -f "$dir/cmd" ] || { not_ok "$(basename "$dir"): no cmd file"; continue; }
	for impl in $impls; do
		run_one "$dir" "$impl"
	done
done
done_testing
