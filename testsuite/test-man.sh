#!/bin/bash
# Every man page renders without a warning, every tool's man page exists, and every
# tool answers --help (exit 0, a Usage line) and -V.
. "$top_srcdir/testsuite/tap.sh"
command -v man > /dev/null || bail_out "man (man-db) is not installed"
npages=0
for page in "$top_srcdir"/man/*.[1-9]; do
	[ -f "$page" ] || continue
	npages=$((npages + 1))
	out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 > /dev/null)
	if [ -z "$out" ]; then
		ok "$(basename "$page") renders cleanly"
	else
		not_ok "$(basename "$page") has warnings"
		diag "$out"
	fi
done
check "man pages found ($npages)" [ "$npages" -ge 9 ]
for tool in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod mykmod; do
	bin=$TOOLS/$tool
	# every tool is part of the build: one that is not built is a failure
	if [ ! -x "$bin" ]; then
		not_ok "$tool is not built ($bin)"
		continue
	fi
	check "$tool has a man page" test -f "$top_srcdir/man/$tool.8"
	out=$("$bin" --help 2>&1)
	if [ $? -eq 0 ] && grep -q '^Usage:' <<< "$out"; then
		ok "$tool --help"
	else
		not_ok "$tool --help"
		diag "$out"
	fi
	out=$("$bin" -V 2>&1)
	if [ $? -eq 0 ] && grep -q '^mykmod version' <<< "$out"; then
		ok "$tool -V: $(tr '\n' ' ' <<< "$out")"
	else
		not_ok "$tool -V"
		diag "$out"
	fi
done
done_testing
