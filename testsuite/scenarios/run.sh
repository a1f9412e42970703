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
# the binary of TOOL for IMPL
tool_bin() {
	local impl=$1 tool=$2 var
	if [ "$impl" = kmod ]; then
		var=KMOD_${tool^^}
		echo "${!var:-/usr/sbin/$tool}"
	else
		var=MY_${tool^^}
		echo "${!var:-$top_builddir/tools/my$tool}"
	fi
}

# scratch space on tmpfs when possible: its readdir order (holders/) is stable
if [ -z "${SCENARIO_TMPDIR:-}" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then SCENARIO_TMPDIR=/dev/shm; else SCENARIO_TMPDIR=${TMPDIR:-/tmp}; fi
fi

# final state of the fake kernel, one line per /sys/module entry (sorted):
# NAME INITSTATE REFCNT HOLDERS [PARAM=VALUE...]; "-" for a missing file or none
dump_modules() {
	local root=$1 d name st ref hold p
	for d in "$root"/sys/module/*/; do
		[ -d "$d" ] || continue
		name=${d%/}
		name=${name##*/}
		st=$(cat "$d/initstate" 2>/dev/null) || st=-
		ref=$(cat "$d/refcnt" 2>/dev/null) || ref=-
		hold=$(ls "$d/holders" 2>/dev/null | sort | paste -sd, -)
		line="$name $st $ref ${hold:--}"
		if [ -d "$d/parameters" ]; then
			for p in $(ls "$d/parameters" | sort); do
				[ -f "$d/parameters/$p" ] && line="$line $p=$(cat "$d/parameters/$p")"
			done
		fi
		echo "$line"
	done | LC_ALL=C sort
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
		n=$(tool_bin "$impl" "$t")
		n=${n##*/}
		up=@${t^^}@
		[ "$n" != "$t" ] && expr+=(-e "s|\\b$n\\b|$up|g")
		expr+=(-e "s|^$t:|$up:|" -e "s|^\\([[:space:]]\\+\\)$t\\b|\\1$up|"
			-e "s|Usage: $t\\b|Usage: $up|")
	done
	sed -e "s|$root|@ROOTFS@|g" "${expr[@]}"
}

# expected file for IMPL: NAME.IMPL if present, else NAME
expected() {
	local dir=$1 name=$2 impl=$3
	if [ -f "$dir/$name.$impl" ]; then echo "$dir/$name.$impl"; else echo "$dir/$name"; fi
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
	local dir=$1 impl=$2 sname tmp root kver rc t bin missing="" fail="" f
	sname=$(basename "$dir")

	for t in $TOOLS_LIST; do
		if grep -qw "$t" "$dir/cmd"; then
			bin=$(tool_bin "$impl" "$t")
			[ -x "$bin" ] || missing="$missing $bin"
		fi
	done
	if [ -n "$missing" ]; then
		not_ok "$sname [$impl]: not built or not installed:$missing"
		return
	fi
	# a variant expectation must say why
	if ls "$dir"/expected-*."$impl" >/dev/null 2>&1 && [ ! -s "$dir/diverges" ]; then
		not_ok "$sname [$impl]: expected-*.$impl without a 'diverges' file saying why"
		return
	fi

	tmp=$(mktemp -d "$SCENARIO_TMPDIR/scenario.XXXXXX") || bail_out "mktemp"
	root=$tmp/rootfs
	kver=6.1.0-fakekernel
	[ -f "$dir/kver" ] && kver=$(cat "$dir/kver")
	mkdir -p "$tmp/bin" "$root/proc" "$root/sys/module" "$root/lib/modules/$kver" \
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
		# each tool is run through PATH, from a directory of symlinks named like
		# kmod's tools, so that argv[0] is the plain tool name for both
		for t in $TOOLS_LIST; do
			ln -s "$(tool_bin "$impl" "$t")" "$tmp/bin/$t"
			eval "$t() { LD_PRELOAD=\"$FAKEKERNEL\${LD_PRELOAD:+:\$LD_PRELOAD}\" PATH=\"$tmp/bin:\$PATH\" timeout 30 $t \"\$@\"; }"
		done
		ROOTFS=$root KVER=$kver
		. "$dir/cmd"
	) >"$tmp/stdout.raw" 2>"$tmp/stderr.raw"
	rc=$?
	normalize "$impl" "$root" <"$tmp/stdout.raw" >"$tmp/stdout"
	normalize "$impl" "$root" <"$tmp/stderr.raw" >"$tmp/stderr"
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
			want=$(expected "$dir" "expected-$f" kmod)
			cp "$tmp/$f" "$want"
			written="$written $(basename "$want")"
		done
		ok "$sname [$impl]: blessed:$written"
	else
		local report=""
		for f in stdout stderr exit modules log; do
			want=$(expected "$dir" "expected-$f" "$impl")
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
			report+=$(compare_file "$f" "$want" "$tmp/$f") || fail=1
			report+=$'\n'
		done
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
