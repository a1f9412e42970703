#!/bin/bash
# Differential test: mymodinfo against kmod's modinfo on the installed Debian module
# tree (every module, one call per mode), on zstd, xz and gzip copies, and for name,
# alias, symbol and builtin lookups. stdout, stderr (program name aside) and the exit
# status must be identical.
. "$top_srcdir/testsuite/tap.sh"
tap_tmpdir
MY=$TOOLS/mymodinfo
KMOD=/usr/sbin/modinfo
[ -x "$MY" ] || bail_out "mymodinfo not built"
[ -x "$KMOD" ] || bail_out "kmod's modinfo not installed"
kver=$(debian_kver) || bail_out "no Debian module tree in /lib/modules"
K=/lib/modules/$kver

# run TOOL ARGS... > $TMPD/<tag>.{out,err,rc}
run() {
	local tag=$1
	shift
	"$@" > "$TMPD/$tag.out" 2> "$TMPD/$tag.err"
	echo $? > "$TMPD/$tag.rc"
	sed -i 's/^mymodinfo: /modinfo: /' "$TMPD/$tag.err"
}

# compare DESCRIPTION ARGS...: kmod and ours on the same arguments
compare() {
	local desc=$1
	shift
	run kmod "$KMOD" "$@"
	run my "$MY" "$@"
	check_same "$desc"
}

check_same() {
	local desc=$1 f bad=
	for f in out err rc; do
		cmp -s "$TMPD/kmod.$f" "$TMPD/my.$f" || bad="$bad $f"
	done
	if [ -n "${EXPECT_OUTPUT:-}" ] && [ ! -s "$TMPD/my.out" ]; then
		bad="$bad (no output at all)"
	fi
	if [ -z "$bad" ]; then
		ok "$desc ($(wc -c < "$TMPD/my.out") bytes)"
	else
		not_ok "$desc: differs in$bad"
		for f in out err rc; do
			diff "$TMPD/kmod.$f" "$TMPD/my.$f" | head -8 | diag
		done
	fi
}

find "$K/kernel" -name '*.ko' | sort > "$TMPD/files"
n=$(wc -l < "$TMPD/files")
[ "$n" -gt 1000 ] || bail_out "only $n modules in $K"
diag "$n modules in $K"

# every module file, one call per output mode
mapfile -t files < "$TMPD/files"
compare "all $n modules, full output" "${files[@]}"
EXPECT_OUTPUT=1 compare "all modules, -0" -0 "${files[@]}"
EXPECT_OUTPUT=1 compare "all modules, -p" -p "${files[@]}"
EXPECT_OUTPUT=1 compare "all modules, -F alias" -F alias "${files[@]}"
EXPECT_OUTPUT=1 compare "all modules, -F signature" -F signature "${files[@]}"
EXPECT_OUTPUT=1 compare "all modules, -0 -F parm" -0 -F parm "${files[@]}"
EXPECT_OUTPUT=1 compare "all modules, -a -d -l -n (last wins)" -a -d -l -n "${files[@]}"
compare "relative paths" "$(realpath --relative-to=. "${files[0]}")" ./"$(realpath --relative-to=. "${files[1]}")"

# lookups by name, alias, symbol and builtin
sed 's|.*/||; s|\.ko.*||' "$K/modules.order" > "$TMPD/names"
mapfile -t names < "$TMPD/names"
EXPECT_OUTPUT=1 compare "every module by name (${#names[@]})" -k "$kver" "${names[@]}"
EXPECT_OUTPUT=1 compare "every module by name with -m" -k "$kver" -m "${names[@]}"
sed 's|.*/||; s|\.ko$||' "$K/modules.builtin" > "$TMPD/builtins"
mapfile -t builtins < "$TMPD/builtins"
EXPECT_OUTPUT=1 compare "every builtin module (${#builtins[@]})" -k "$kver" "${builtins[@]}"
EXPECT_OUTPUT=1 compare "builtin modules with -m -F name" -k "$kver" -m -F name "${builtins[@]}"
EXPECT_OUTPUT=1 compare "builtin modules -0" -k "$kver" -0 "${builtins[@]:0:50}"
awk '$1 == "alias" {print $2}' "$K/modules.alias" | awk 'NR % 40 == 1' > "$TMPD/aliases"
mapfile -t aliases < "$TMPD/aliases"
EXPECT_OUTPUT=1 compare "${#aliases[@]} aliases from modules.alias" -k "$kver" "${aliases[@]}"
awk '$1 == "alias" {print $2}' "$K/modules.symbols" | awk 'NR % 50 == 1' > "$TMPD/symbols"
mapfile -t symbols < "$TMPD/symbols"
EXPECT_OUTPUT=1 compare "${#symbols[@]} symbol: aliases" -k "$kver" "${symbols[@]}"
compare "missing module, alias and name" -k "$kver" no_such_module pci:v0000FFFFd0000FFFF -m nosuch
compare "bad bracket in an alias" -k "$kver" 'bad[alias' 'x]y'
EXPECT_OUTPUT=1 compare "-k and -b select the tree" -k "$kver" -b / ext4 unix
compare "missing basedir" -b "$TMPD/none" ext4
compare "no arguments" 
compare "a directory is not a module file" "$K/kernel"

# compressed copies
for spec in "zstd 0" "xz 300"; do
	set -- $spec
	root=$("$top_srcdir/testsuite/make-tree.sh" "$1" "$2") || bail_out "could not build the $1 tree"
	# indexes for the name lookups, written by kmod's depmod once per cached tree
	[ -f "$root/lib/modules/$kver/modules.dep.bin" ] || /usr/sbin/depmod -b "$root" "$kver" ||
		bail_out "depmod failed on the $1 tree"
	find "$root" -name "*.ko.*" | sort > "$TMPD/cfiles"
	mapfile -t cfiles < "$TMPD/cfiles"
	compare "$1 tree (${#cfiles[@]} modules)" "${cfiles[@]}"
	EXPECT_OUTPUT=1 compare "$1 tree by name with -b" -b "$root" -k "$kver" "${names[@]:0:200}"
done

# gzip: kmod 30 is built without zlib, so compare with its output for the plain files
root=$("$top_srcdir/testsuite/make-tree.sh" gz 300) || bail_out "could not build the gz tree"
find "$root" -name "*.ko.gz" | sort > "$TMPD/gzfiles"
mapfile -t gzfiles < "$TMPD/gzfiles"
sed "s|^$root||; s|\.gz$||" "$TMPD/gzfiles" > "$TMPD/gzplain"
mapfile -t gzplain < "$TMPD/gzplain"
run kmod "$KMOD" "${gzplain[@]}"
run my "$MY" "${gzfiles[@]}"
sed -i "s|^filename:       $root|filename:       |; s|\.ko\.gz$|.ko|" "$TMPD/my.out"
check_same "gzip tree (${#gzfiles[@]} modules) against the plain output"

done_testing
