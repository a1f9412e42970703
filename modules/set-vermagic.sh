#!/bin/sh
# set-vermagic.sh MODULE.ko REFERENCE.ko
# Rewrite the vermagic string in the .modinfo section of MODULE.ko so that its
# flags no longer match the kernel it was built for: the "preempt" flag is
# dropped (or added, for a kernel built without it). REFERENCE.ko is another
# module of the same build: MODULE.ko is only rewritten while its vermagic
# equals the reference's, so running this again after an unchanged build does
# nothing, and after kbuild relinks MODULE.ko it rewrites it again.
#
# The kernel (CONFIG_MODVERSIONS) then refuses the module with ENOEXEC,
# "Invalid module format", unless the loader passes --force-vermagic.
set -eu

ko=${1:?usage: set-vermagic.sh MODULE.ko REFERENCE.ko}
ref=${2:?usage: set-vermagic.sh MODULE.ko REFERENCE.ko}
OBJCOPY=${OBJCOPY:-objcopy}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/set-vermagic.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# vermagic FILE.ko: print the vermagic string of a module
vermagic() {
	"$OBJCOPY" --dump-section .modinfo="$tmp/modinfo" "$1" "$tmp/scratch.ko"
	tr '\0' '\n' <"$tmp/modinfo" | sed -n 's/^vermagic=//p'
}

refmagic=$(vermagic "$ref")
cur=$(vermagic "$ko")
if [ -z "$cur" ] || [ -z "$refmagic" ]; then
	echo "set-vermagic.sh: no vermagic in .modinfo of $ko or $ref" >&2
	exit 1
fi
if [ "$cur" != "$refmagic" ]; then
	exit 0 # already rewritten after this build
fi

case "$cur" in
*" preempt "*) new=$(printf '%s' "$cur" | sed 's/ preempt / /') ;;
*) new=$(printf '%s' "$cur" | sed 's/ SMP / SMP preempt /') ;;
esac
if [ "$new" = "$cur" ]; then
	echo "set-vermagic.sh: do not know how to change vermagic '$cur'" >&2
	exit 1
fi

# .modinfo is a sequence of NUL-terminated key=value strings
tr '\0' '\n' <"$tmp/modinfo" |
	awk -v new="vermagic=$new" '/^vermagic=/ { print new; next } { print }' |
	tr '\n' '\0' >"$tmp/modinfo.new"
"$OBJCOPY" --update-section .modinfo="$tmp/modinfo.new" "$ko"
echo "  VERMAGIC $ko: '$cur' -> '$new'"
