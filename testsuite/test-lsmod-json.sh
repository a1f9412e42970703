#!/bin/bash
# mylsmod --json and `mykmod list --json` (beyond kmod, man/mylsmod.8) on the fake
# kernel (testsuite/fakekernel): modules with holders, one without coresize (the
# size comes from /proc/modules) and one whose refcnt cannot be read. Every field of
# every object is checked against mylsmod's text table and against kmod 30's lsmod
# table of the same fake kernel, parsed independently with python3.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

LSMOD=${LSMOD:-/usr/sbin/lsmod}
MY=$TOOLS/mylsmod
FAKEKERNEL=$top_builddir/testsuite/fakekernel/fakekernel.so
ELFGEN=$top_builddir/testsuite/elfgen
[ -x "$LSMOD" ] || bail_out "kmod's lsmod not found at $LSMOD"
[ -x "$MY" ] || bail_out "$MY not built"
[ -x "$TOOLS/mykmod" ] || bail_out "$TOOLS/mykmod not built"
[ -f "$FAKEKERNEL" ] || bail_out "$FAKEKERNEL not built"
[ -x "$ELFGEN" ] || bail_out "$ELFGEN not built"
command -v python3 >/dev/null || bail_out "python3 is not installed"
tap_tmpdir

KVER=6.1.0-fk
ROOTFS=$TMPD/root
mkdir -p "$ROOTFS/proc" "$ROOTFS/sys/module" "$ROOTFS/lib/modules/$KVER" \
	"$ROOTFS/tmp" "$ROOTFS/fakekernel"
: >"$ROOTFS/proc/modules"
fk() {
	(cd "$ROOTFS" && LD_PRELOAD=$FAKEKERNEL FAKEKERNEL_ROOTFS=$ROOTFS \
		FAKEKERNEL_UNAME_R=$KVER "$@")
}
. "$top_srcdir/testsuite/scenarios/lib.sh"

# compare JSON TEXT: the JSON object against a text table (header + lines); prints
# what differs, fails when anything does. A null refcount must stand for a negative
# number in the table (the -errno lsmod prints when refcnt cannot be read).
compare() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
bad = []
if lines[:1] != ["Module                  Size  Used by"]:
    bad.append("table header")
mods = doc["modules"] if isinstance(doc, dict) and list(doc) == ["modules"] else None
if not isinstance(mods, list):
    bad.append("not an object with only 'modules'")
    mods = []
rows = []
for l in lines[1:]:
    f = l.split()
    rows.append((f[0], int(f[1]), int(f[2]), f[3].split(",") if len(f) > 3 else []))
if len(rows) != len(mods):
    bad.append("%d objects, %d lines" % (len(mods), len(rows)))
for m, (name, size, ref, holders) in zip(mods, rows):
    if sorted(m) != ["name", "refcount", "size", "used_by"]:
        bad.append("%s: keys %s" % (name, sorted(m)))
        continue
    if m["name"] != name:
        bad.append("name %r != %r" % (m["name"], name))
    if type(m["size"]) is not int or m["size"] != size:
        bad.append("%s: size %r != %d" % (name, m["size"], size))
    r = m["refcount"]
    if not ((r is None and ref < 0) or (type(r) is int and r == ref and r >= 0)):
        bad.append("%s: refcount %r for %d" % (name, r, ref))
    if m["used_by"] != holders:
        bad.append("%s: used_by %r != %r" % (name, m["used_by"], holders))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

mkmod a.ko
for m in z b y; do mkmod $m.ko --modinfo depends=a; done
mkmod c.ko --modinfo depends=b
mkmod big.ko --text-size 100000
for m in a z b y c big; do
	fk /usr/sbin/insmod /$m.ko || bail_out "insmod $m.ko on the fake kernel"
done
rm "$ROOTFS/sys/module/big/coresize"

fk "$MY" --json >"$TMPD/json" 2>"$TMPD/err"
check "mylsmod --json: exit 0, nothing on stderr" test $? -eq 0 -a ! -s "$TMPD/err"
check "one line of output" test "$(wc -l <"$TMPD/json")" -eq 1
fk "$MY" >"$TMPD/my.txt" || bail_out "mylsmod failed"
fk "$LSMOD" >"$TMPD/kmod.txt" || bail_out "kmod's lsmod failed"
check "the text tables of mylsmod and kmod's lsmod are the same" cmp -s "$TMPD/my.txt" "$TMPD/kmod.txt"
check "six modules listed" test "$(wc -l <"$TMPD/my.txt")" -eq 7
out=$(compare "$TMPD/json" "$TMPD/my.txt")
check "every field equals mylsmod's table" test -z "$out"
[ -z "$out" ] || diag "$out"
out=$(compare "$TMPD/json" "$TMPD/kmod.txt")
check "every field equals kmod's lsmod table" test -z "$out"
[ -z "$out" ] || diag "$out"
check "holders and the /proc/modules size are there (a: used by z,b,y; big: no coresize)" \
	python3 -c 'import json, sys
m = {x["name"]: x for x in json.load(open(sys.argv[1]))["modules"]}
sys.exit(not (sorted(m["a"]["used_by"]) == ["b", "y", "z"] and m["a"]["refcount"] == 3
	and m["c"]["used_by"] == [] and m["big"]["size"] > 100000))' "$TMPD/json"
fk "$TOOLS/mykmod" list --json >"$TMPD/list.json"
check "mykmod list --json prints what mylsmod --json prints" cmp -s "$TMPD/json" "$TMPD/list.json"

# a refcnt that cannot be read: lsmod prints -2 (-ENOENT), the object null
rm "$ROOTFS/sys/module/y/refcnt"
fk "$MY" --json >"$TMPD/json" || not_ok "mylsmod --json without refcnt"
fk "$MY" >"$TMPD/my.txt"
fk "$LSMOD" >"$TMPD/kmod.txt"
check "no refcnt: the tables print -2" grep -q '^y  .* -2$' "$TMPD/kmod.txt"
out=$(compare "$TMPD/json" "$TMPD/my.txt")$(compare "$TMPD/json" "$TMPD/kmod.txt")
check "no refcnt: refcount is null, the other fields as both tables" test -z "$out"
[ -z "$out" ] || diag "$out"

# no module loaded: an empty list; no /proc/modules: the text form's error
: >"$ROOTFS/proc/modules"
rm -rf "$ROOTFS/sys/module"/*
check "no module: {\"modules\":[]}" test "$(fk "$MY" --json)" = '{"modules":[]}'
rm "$ROOTFS/proc/modules"
fk "$MY" --json >"$TMPD/out" 2>"$TMPD/err"
rc=$?
check "no /proc/modules: the text form's error, exit 1, nothing on stdout" \
	test $rc -eq 1 -a ! -s "$TMPD/out" \
	-a "$(cat "$TMPD/err")" = "Error: could not get list of modules: No such file or directory"
fk "$MY" --json x >/dev/null 2>"$TMPD/err"
check "--json with another argument: the usage line, exit 1" \
	test $? -eq 1 -a "$(cat "$TMPD/err")" = "Usage: $MY"
done_testing
