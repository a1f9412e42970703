#!/bin/bash
# mymodprobe --json (beyond kmod, man/mymodprobe.8) on the installed Debian tree:
#  -c --json: every entry equals its line of our -c text and of kmod 30's -c, for the
#   machine's configuration and for a -C directory that uses every directive;
#  --show-depends --json: for modules with hard deps, softdeps, firmware, an install
#   command, options, an alias and a builtin, the modules rebuilt into -D lines equal
#   kmod's `modprobe --show-depends` (paths, order, options, install and builtin
#   lines), "depends" and "firmware" equal kmod's `modinfo -F`, "softdep" the
#   module's softdep= plus the configuration's lines, and weak dependencies come
#   after with their own dependencies; unknown names as the text form. With -a, -i,
#   -C, -d and command-line parameters.
# The JSON is parsed by python3, independently of lib/json.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

KMOD=/usr/sbin/modprobe
KMODINFO=/usr/sbin/modinfo
MY=$TOOLS/mymodprobe
[ -x "$KMOD" ] || bail_out "kmod's modprobe not found at $KMOD"
[ -x "$KMODINFO" ] || bail_out "kmod's modinfo not found at $KMODINFO"
[ -x "$MY" ] || bail_out "$MY not built"
command -v python3 >/dev/null || bail_out "python3 is not installed"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
tap_tmpdir
export KVER KMODINFO

# ---- -c --json ----------------------------------------------------------------

# cmp_config JSON TEXT [kmod]: the entries of JSON, written back as -c lines, equal
# the configuration part of the -c text TEXT; "kmod": written as kmod 30 writes them
# (no space before "post:", no weakdep lines)
cmp_config() {
	python3 - "$@" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
kmod = len(sys.argv) > 3
text = open(sys.argv[2]).read().split("\n# End of configuration files.")[0]
want = [l for l in text.split("\n") if l]
kinds = ["blacklist", "install", "remove", "alias", "options", "softdep", "weakdep"]
bad = []
if list(doc) != kinds:
    bad.append("keys %s" % list(doc))
got = []
for k in kinds:
    for e in doc.get(k, []):
        if k == "blacklist":
            got.append("blacklist " + e)
        elif k in ("install", "remove"):
            got.append("%s %s %s" % (k, e["module"], e["command"]))
        elif k == "alias":
            got.append("alias %s %s" % (e["pattern"], e["module"]))
        elif k == "options":
            got.append("options %s %s" % (e["module"], e["options"]))
        elif k == "softdep":
            parts = []
            if e["pre"]:
                parts.append("pre: " + " ".join(e["pre"]))
            if e["post"]:
                parts.append("post: " + " ".join(e["post"]))
            got.append("softdep %s %s" % (e["module"], ("" if kmod else " ").join(parts)))
        elif not kmod:
            got.append("weakdep %s %s" % (e["module"], " ".join(e["modules"])))
if got != want:
    bad.append("%d entries, %d lines" % (len(got), len(want)))
    bad += ["-%s" % l for l in want if l not in got][:5]
    bad += ["+%s" % l for l in got if l not in want][:5]
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

"$MY" -S "$KVER" -c --json >"$TMPD/c.json" 2>"$TMPD/err"
check "-c --json: exit 0, nothing on stderr" test $? -eq 0 -a ! -s "$TMPD/err"
check "-c --json: one line" test "$(wc -l <"$TMPD/c.json")" -eq 1
"$MY" -S "$KVER" -c >"$TMPD/c.txt" || bail_out "mymodprobe -c failed"
out=$(cmp_config "$TMPD/c.json" "$TMPD/c.txt")
check "machine's configuration: every entry equals its -c line ($(grep -c '^[a-z]' \
	<<<"$(sed '/^# End of configuration/q' "$TMPD/c.txt")") lines)" test -z "$out"
[ -z "$out" ] || diag "$out"
check "machine's configuration: it has entries" python3 -c 'import json, sys
sys.exit(not sum(map(len, json.load(open(sys.argv[1])).values())))' "$TMPD/c.json"

CONF=$TMPD/conf
mkdir "$CONF"
cat >"$CONF/t.conf" <<'EOF'
blacklist pcspkr
blacklist floppy
install mbcache /bin/true
install dummy /sbin/modprobe --ignore-install dummy $CMDLINE_OPTS
remove dummy /bin/echo removing
alias my-fs ext4
alias my-* xfs
options ext4 debug_want_extra_isize=0
options ext4 nodelalloc=1
options xfs allocsize=64k
softdep crc16 pre: xfs post: dummy
softdep xfs pre: loop
softdep loop post: mbcache
weakdep btrfs xfs crc16
EOF
"$MY" -S "$KVER" -C "$CONF" -c --json >"$TMPD/c.json" || not_ok "-C: -c --json failed"
"$MY" -S "$KVER" -C "$CONF" -c >"$TMPD/c.txt" 2>/dev/null
out=$(cmp_config "$TMPD/c.json" "$TMPD/c.txt")
check "-C with every directive: every entry equals its -c line" test -z "$out"
[ -z "$out" ] || diag "$out"
"$KMOD" -S "$KVER" -C "$CONF" -c >"$TMPD/kmod-c.txt" 2>/dev/null
out=$(cmp_config "$TMPD/c.json" "$TMPD/kmod-c.txt" kmod)
check "-C with every directive: every entry equals kmod's -c line (no weakdep in kmod 30)" \
	test -z "$out"
[ -z "$out" ] || diag "$out"
check "-C: the softdep and weakdep lists are arrays of names" python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not ({"module": "crc16", "pre": ["xfs"], "post": ["dummy"]} in d["softdep"]
	and d["weakdep"] == [{"module": "btrfs", "modules": ["xfs", "crc16"]}]))' "$TMPD/c.json"

# ---- --show-depends --json --------------------------------------------------------

# cmp_depends JSON KMODTEXT: the modules of JSON, written as -D lines (install, insmod
# or builtin), equal the lines of KMODTEXT without repeats, in order; the modules
# only reached through weakdeps (WEAK: their names) come after them all. Each
# object's depends and firmware equal kmod's modinfo -F, its softdep the module's
# softdep= fields merged with the -C directory's lines (SOFTDEPS: a file of them).
cmp_depends() {
	python3 - "$@" <<'EOF'
import json, os, subprocess, sys
doc = json.load(open(sys.argv[1]))
weak = set(os.environ.get("WEAK", "").split())
conf = [l.split() for l in open(os.environ["SOFTDEPS"])] if os.environ.get("SOFTDEPS") else []
want, seen = [], set()
for l in open(sys.argv[2]).read().splitlines():
    if l not in seen:
        seen.add(l)
        want.append(l)
bad = []
keys = ["name", "path", "builtin", "depends", "firmware", "softdep", "weakdep",
        "options", "install"]
lines, names = [], []
for m in doc["modules"]:
    if list(m) != keys:
        bad.append("%s: keys %s" % (m.get("name"), list(m)))
        continue
    names.append(m["name"])
    if m["name"] in weak:
        continue
    if m["install"] is not None:
        lines.append("install %s %s" % (m["install"], m["options"]))
    elif m["path"] is not None:
        lines.append("insmod %s %s" % (m["path"], m["options"]))
    elif m["builtin"]:
        lines.append("builtin %s" % m["name"])
if len(set(names)) != len(names):
    bad.append("a module listed twice")
if lines != want:
    bad.append("-D lines differ")
    bad += ["-" + l for l in want if l not in lines][:5]
    bad += ["+" + l for l in lines if l not in want][:5]
if weak and set(names[len(names) - len(weak):]) != weak:
    bad.append("the weakdep modules are not last: %s" % names)
def modinfo(field, m):
    arg = m["path"] or m["name"]
    out = subprocess.run([os.environ["KMODINFO"], "-k", os.environ["KVER"], "-F", field,
                          arg], capture_output=True, text=True).stdout
    return out.splitlines()
def split_softdep(values):
    pre, post, mode = [], [], None
    for w in " ".join(values).split():
        if w in ("pre:", "post:"):
            mode = w
        elif mode:
            (pre if mode == "pre:" else post).append(w)
    return pre, post
for m in doc["modules"]:
    if list(m) != keys:
        continue
    n = m["name"]
    deps = [d for v in modinfo("depends", m) for d in v.split(",") if d]
    if m["depends"] != deps:
        bad.append("%s: depends %s, modinfo %s" % (n, m["depends"], deps))
    if m["firmware"] != modinfo("firmware", m):
        bad.append("%s: firmware %s" % (n, m["firmware"]))
    pre, post = split_softdep(modinfo("softdep", m))
    for c in conf:
        if c[1].replace("-", "_") == n:
            p, q = split_softdep(c[2:])
            pre += [x for x in p if x not in pre]
            post += [x for x in q if x not in post]
    if m["softdep"] != {"pre": pre, "post": post}:
        bad.append("%s: softdep %s, want pre %s post %s" % (n, m["softdep"], pre, post))
if bad:
    print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# depends DESC ARGS...: mymodprobe -D --json ARGS against our -D ARGS and kmod's;
# with MERGED set, kmod's lines need only be in ours, in order: a module of the
# closure has several softdep lines, which we merge and kmod 30 does not
# (docs/compat.md, "several softdep lines for one module")
depends() {
	local desc=$1 out rc a text=()
	shift
	for a; do [ "$a" = --json ] || text+=("$a"); done
	"$MY" -S "$KVER" "$@" >"$TMPD/d.json" 2>"$TMPD/d.err"
	rc=$?
	"$MY" -S "$KVER" "${text[@]}" 2>/dev/null >"$TMPD/d.txt"
	"$KMOD" -S "$KVER" "${text[@]}" 2>/dev/null >"$TMPD/kmod-d.txt"
	if [ $rc -ne 0 ] || [ -s "$TMPD/d.err" ]; then
		not_ok "$desc: exit $rc"
		diag <"$TMPD/d.err"
		return
	fi
	out=$(cmp_depends "$TMPD/d.json" "$TMPD/d.txt")
	if [ -z "${MERGED:-}" ]; then
		out=$out$(cmp_depends "$TMPD/d.json" "$TMPD/kmod-d.txt" | sed 's/^/kmod: /')
	elif ! python3 -c 'import sys
a, b = (open(f).read().splitlines() for f in sys.argv[1:])
it = iter(b)
sys.exit(not all(l in it for l in a))' "$TMPD/kmod-d.txt" "$TMPD/d.txt"; then
		out="$out kmod's lines are not a subsequence of ours"
	fi
	if [ -z "$out" ]; then
		ok "$desc ($(python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["modules"]))' "$TMPD/d.json") modules)"
	else
		not_ok "$desc"
		diag "$out"
	fi
}

EMPTY=$TMPD/empty
mkdir "$EMPTY"
# modules with hard deps and softdeps (ext4, jbd2: softdep= crypto-crc32c), firmware
# (iwlwifi, r8169, bnx2x), many deps (amdgpu, nfsd), through -a
for m in ext4 xfs nfsd iwlwifi r8169; do
	depends "$m: -D lines, depends, firmware, softdep as kmod's" -C "$EMPTY" -D --json "$m"
done
depends "-a amdgpu bnx2x ext4 nfsd: one closure, each module once" -C "$EMPTY" -D --json \
	-a amdgpu bnx2x ext4 nfsd
MERGED=1 depends "btrfs (softdep= blake2b, sha256, xxhash64 in three lines)" -C "$EMPTY" \
	-D --json btrfs
depends "a builtin module (unix): \"builtin\": true, path null" -C "$EMPTY" -D --json unix
check "unix: builtin, no path, its modules.builtin.modinfo fields" python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))["modules"]
sys.exit(not (len(m) == 1 and m[0]["builtin"] is True and m[0]["path"] is None
	and m[0]["depends"] == [] and m[0]["firmware"] == []))' "$TMPD/d.json"
ROOT=$TMPD/root
mkdir -p "$ROOT/lib/modules/$KVER"
cp /lib/modules/"$KVER"/modules.* "$ROOT/lib/modules/$KVER/"
ln -s /lib/modules/"$KVER"/kernel "$ROOT/lib/modules/$KVER/kernel"
depends "-d ROOT: the paths under ROOT" -C "$EMPTY" -d "$ROOT" -D --json ext4
check "-d ROOT: the paths are under ROOT" python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))["modules"]
sys.exit(not all(x["path"].startswith(sys.argv[2] + "/lib/modules/") for x in m))' \
	"$TMPD/d.json" "$ROOT"
depends "an alias (fs-ext4)" -C "$EMPTY" -D --json fs-ext4
check "fs-ext4: requested names the argument and what it resolved to" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (d["requested"] == [{"name": "fs-ext4", "modules": ["ext4"]}]
	and d["unresolved"] == []))' "$TMPD/d.json"

# the -C directory: options, install commands, config softdeps, a weakdep
grep '^softdep' "$CONF/t.conf" >"$TMPD/softdeps"
export SOFTDEPS=$TMPD/softdeps
depends "-C: ext4 with options, config softdeps and an install command" -C "$CONF" \
	-D --json ext4
# the options as the kernel gets them: kmod 30 ends configuration options with a space
check "-C: install commands, options and config softdeps are in the objects" \
	python3 -c 'import json, sys
m = {x["name"]: x for x in json.load(open(sys.argv[1]))["modules"]}
sys.exit(not (m["mbcache"]["install"] == "/bin/true" and m["dummy"]["install"]
	and m["ext4"]["options"] == "debug_want_extra_isize=0 nodelalloc=1 "
	and m["xfs"]["options"] == "allocsize=64k " and m["ext4"]["install"] is None
	and m["crc16"]["softdep"] == {"pre": ["xfs"], "post": ["dummy"]}))' \
	"$TMPD/d.json"
depends "-C: command-line parameters join the options of the named module" -C "$CONF" \
	-D --json ext4 foo=1 'bar=a b'
depends "-C: -i ignores install commands and the named module's softdeps" -C "$CONF" \
	-D -i --json ext4
WEAK="loop mbcache xfs crc16 dummy" MERGED=1 depends \
	"-C: weakdep btrfs xfs crc16: xfs, crc16 and their softdeps after btrfs's closure" \
	-C "$CONF" -D --json btrfs
check "-C: btrfs's weakdep names are listed" python3 -c 'import json, sys
m = {x["name"]: x for x in json.load(open(sys.argv[1]))["modules"]}
sys.exit(m["btrfs"]["weakdep"] != ["xfs", "crc16"])' "$TMPD/d.json"
unset SOFTDEPS

# a fake root (elfgen modules, our mydepmod): depends= and firmware= of module files,
# a builtin module with firmware in modules.builtin.modinfo, a softdep= field, and a
# module whose file has no .modinfo (its depends and firmware unknown: null)
ELFGEN=$top_builddir/testsuite/elfgen
[ -x "$ELFGEN" ] || bail_out "$ELFGEN not built"
FK=$TMPD/fake
FKVER=9.9.9-fk
FKD=$FK/lib/modules/$FKVER
mkdir -p "$FKD/kernel" "$TMPD/fkconf"
"$ELFGEN" -o "$FKD/kernel/fa.ko" --modinfo name=fa --modinfo depends=fb,fc \
	--modinfo firmware=fw/fa-1.bin --modinfo firmware=fw/fa-2.bin --modinfo softdep="pre: fe" \
	--need fb_sym --need fc_sym
"$ELFGEN" -o "$FKD/kernel/fb.ko" --modinfo name=fb --modinfo depends=fc --need fc_sym \
	--export fb_sym
"$ELFGEN" -o "$FKD/kernel/fc.ko" --modinfo name=fc --export fc_sym --modinfo firmware=fc.fw
"$ELFGEN" -o "$FKD/kernel/fe.ko" --no-modinfo
printf 'kernel/%s.ko\n' fa fb fc fe >"$FKD/modules.order"
printf 'kernel/fi/fi.ko\n' >"$FKD/modules.builtin"
printf 'fi.firmware=fi/one.bin\0fi.license=GPL\0fi.firmware=fi/two.bin\0' \
	>"$FKD/modules.builtin.modinfo"
"$TOOLS/mydepmod" -b "$FK" "$FKVER" || bail_out "mydepmod on the fake root"
"$MY" -d "$FK" -S "$FKVER" -C "$TMPD/fkconf" -D --json -a fa fi >"$TMPD/fk.json" \
	2>"$TMPD/fk.err"
check "fake root: exit 0, a warning for fe.ko (no .modinfo)" \
	test $? -eq 0 -a "$(grep -c "could not get modinfo from 'fe'" "$TMPD/fk.err")" = 1
"$KMOD" -d "$FK" -S "$FKVER" -C "$TMPD/fkconf" -D -a fa fi >"$TMPD/fk.txt" 2>/dev/null
out=$(KVER=$FKVER cmp_depends "$TMPD/fk.json" "$TMPD/fk.txt" 2>&1 | grep -v '^fe: \|^fi: ')
check "fake root: -D lines as kmod's, fields as kmod's modinfo -F (fa, fb, fc)" test -z "$out"
[ -z "$out" ] || diag "$out"
check "fake root: the fields, fi builtin with its modules.builtin.modinfo firmware" \
	python3 -c 'import json, sys
m = {x["name"]: x for x in json.load(open(sys.argv[1]))["modules"]}
sys.exit(not (sorted(m) == ["fa", "fb", "fc", "fe", "fi"]
	and m["fa"]["depends"] == ["fb", "fc"] and m["fb"]["depends"] == ["fc"]
	and m["fa"]["firmware"] == ["fw/fa-1.bin", "fw/fa-2.bin"]
	and m["fc"]["firmware"] == ["fc.fw"] and m["fa"]["softdep"]["pre"] == ["fe"]
	and m["fe"]["depends"] is None and m["fe"]["firmware"] is None
	and m["fi"]["builtin"] and m["fi"]["path"] is None
	and m["fi"]["firmware"] == ["fi/one.bin", "fi/two.bin"] and m["fi"]["depends"] == []))' \
	"$TMPD/fk.json"

# unknown names: the text form's message and exit status
"$MY" -S "$KVER" -C "$EMPTY" -D --json nosuchmod >"$TMPD/out" 2>"$TMPD/my.err"
rc=$?
"$KMOD" -S "$KVER" -C "$EMPTY" -D nosuchmod 2>"$TMPD/kmod.err" >/dev/null
check "unknown name: kmod's message, exit 1, nothing on stdout" \
	test $rc -eq 1 -a ! -s "$TMPD/out" \
	-a "$(sed 's/^mymodprobe:/modprobe:/' "$TMPD/my.err")" = "$(cat "$TMPD/kmod.err")"
"$MY" -S "$KVER" -C "$EMPTY" -D --json -a nosuchmod xfs >"$TMPD/out" 2>"$TMPD/my.err"
rc=$?
"$KMOD" -S "$KVER" -C "$EMPTY" -D -a nosuchmod xfs 2>"$TMPD/kmod.err" >/dev/null
check "-a with an unknown name: kmod's warning, exit 1, the name unresolved" \
	test $rc -eq 1 \
	-a "$(sed 's/^mymodprobe:/modprobe:/' "$TMPD/my.err")" = "$(cat "$TMPD/kmod.err")" \
	-a "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["unresolved"], [r["name"] for r in d["requested"]])' "$TMPD/out")" = \
	"['nosuchmod'] ['nosuchmod', 'xfs']"
"$KMOD" -S "$KVER" -C "$EMPTY" -D -a nosuchmod xfs 2>/dev/null >"$TMPD/kmod-d.txt"
out=$(cmp_depends "$TMPD/out" "$TMPD/kmod-d.txt")
check "-a with an unknown name: the other names as kmod's -D" test -z "$out"
[ -z "$out" ] || diag "$out"
"$MY" -S "$KVER" --json ext4 >/dev/null 2>"$TMPD/err"
check "--json without -c or -D: an error, exit 1" \
	test $? -eq 1 -a -n "$(grep -- '--json' "$TMPD/err")"
"$MY" -S "$KVER" -r -D --json ext4 >/dev/null 2>&1
check "--json with -r -D: an error, exit 1" test $? -eq 1
done_testing
