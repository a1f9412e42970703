# Helpers for the depmod tests; source after testsuite/tap.sh.
#
# The differential runs both tools on the *same* tree one after the other (kmod
# first, its outputs moved aside), so that readdir order, which decides ties and
# the "first found" rule, is the same for both.

KMOD_DEPMOD=${KMOD_DEPMOD:-/usr/sbin/depmod}
MYDEPMOD=${MYDEPMOD:-$TOOLS/mydepmod}
ELFGEN=${ELFGEN:-$top_builddir/testsuite/elfgen}
BINDUMP="python3 $top_srcdir/testsuite/depmod/bindump.py"

# every file depmod writes, except modules.weakdep (kmod 30 does not write it)
DEPMOD_FILES="modules.dep modules.dep.bin modules.alias modules.alias.bin
modules.softdep modules.symbols modules.symbols.bin modules.builtin.bin
modules.builtin.alias.bin modules.devname"
ALL_OUTPUTS="$DEPMOD_FILES modules.weakdep"

# mkmod ROOT KVER RELPATH [elfgen options]: a synthetic module
mkmod() {
	local root=$1 kver=$2 rel=$3
	shift 3
	mkdir -p "$(dirname "$root/lib/modules/$kver/$rel")"
	"$ELFGEN" -o "$root/lib/modules/$kver/$rel" "$@" || bail_out "elfgen failed for $rel"
}

# remove_outputs DIR
remove_outputs() {
	local f
	for f in $ALL_OUTPUTS; do rm -f "$1/$f"; done
}

# normalise DIR-specific text: the tool name and the scratch directory
# (kmod 30 prints a stale errno after "Invalid symbol version X")
norm() {
	sed -e 's/^depmod: /DEPMOD: /' -e 's/^mydepmod: /DEPMOD: /' -e "s|$TMPD|@TMP@|g" \
		-e 's/\(Invalid symbol version [^:]*\): .*/\1: ERRNO/'
}

# -n output without the weakdep section (kmod 30 has none)
no_weakdep() {
	grep -vx -e '# Weak dependencies extracted from modules themselves.' -e 'weakdep .*'
}

# differential NAME ROOT KVER [extra args...]
# Runs kmod's depmod and mydepmod with -b ROOT on the same tree and compares exit
# status, stdout, stderr and every output file. Sets DIFF_FAILED=1 on a mismatch.
differential() {
	local name=$1 root=$2 kver=$3
	shift 3
	local dir="$root/lib/modules/$kver" exp="$TMPD/expect.$name" f rck rcm ok=1
	rm -rf "$exp"
	mkdir -p "$exp"
	remove_outputs "$dir"
	"$KMOD_DEPMOD" -b "$root" "$@" "$kver" >"$exp/stdout" 2>"$exp/stderr"
	rck=$?
	for f in $ALL_OUTPUTS; do [ -e "$dir/$f" ] && mv "$dir/$f" "$exp/$f"; done
	"$MYDEPMOD" -b "$root" "$@" "$kver" >"$TMPD/my.stdout" 2>"$TMPD/my.stderr"
	rcm=$?
	if [ "$rck" != "$rcm" ]; then
		diag "$name: exit status kmod=$rck mydepmod=$rcm"
		ok=0
	fi
	if ! diff -u <(norm <"$exp/stdout" | no_weakdep) <(norm <"$TMPD/my.stdout" | no_weakdep) \
		>"$TMPD/d.out"; then
		diag "$name: stdout differs" "$(head -20 "$TMPD/d.out")"
		ok=0
	fi
	if ! diff -u <(norm <"$exp/stderr") <(norm <"$TMPD/my.stderr") >"$TMPD/d.err"; then
		diag "$name: stderr differs" "$(head -20 "$TMPD/d.err")"
		ok=0
	fi
	for f in $DEPMOD_FILES; do
		if [ -e "$exp/$f" ] && [ -e "$dir/$f" ]; then
			if ! cmp -s "$exp/$f" "$dir/$f"; then
				diag "$name: $f differs"
				ok=0
			fi
		elif [ -e "$exp/$f" ] || [ -e "$dir/$f" ]; then
			diag "$name: $f written by only one of the tools"
			ok=0
		fi
	done
	[ $ok = 1 ]
}

# temp_files [DIR]: how many temporary files of mydepmod's commit are in DIR ($D)
temp_files() {
	ls -A "${1:-$D}" | grep -c 'mydepmod-' || true
}

# journal_complete [DIR]: a complete commit journal is in DIR ($D): a run killed
# between two renames, which the next run rolls forward (lib/outset.h)
journal_complete() {
	local j
	for j in "${1:-$D}"/.mydepmod-commit-*; do
		[ -f "$j" ] && [ "$(tail -n 1 "$j")" = end ] && return 0
	done
	return 1
}

# cache_core FILE: mydepmod's cache without its directory listings (the
# checksum, file size and listing fields of the header, the table and the
# listings left out; docs/depmod-cache.md §2): which directories a cache lists
# depends on when each one last changed (§3), so runs that make the same
# entries and record at other times compare equal on this.
cache_core() {
	local f=$1 size rec ndirs listed end
	[ -f "$f" ] || return 1
	size=$(stat -c %s "$f")
	[ "$size" -ge 88 ] || { cat "$f"; return 0; }
	rec=$(od -An -t u4 -j 64 -N 4 "$f" | tr -d ' ')
	ndirs=$(od -An -t u4 -j 72 -N 4 "$f" | tr -d ' ')
	listed=$(od -An -t u8 -j 80 -N 8 "$f" | tr -d ' ')
	end=$((size - rec - listed - ndirs * 48))
	[ "$end" -ge 88 ] || { cat "$f"; return 0; }
	head -c 56 "$f" | tail -c 40
	head -c 72 "$f" | tail -c 8
	head -c "$end" "$f" | tail -c $((end - 88))
	[ "$rec" = 0 ] || tail -c "$rec" "$f"
}
