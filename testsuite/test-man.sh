#!/bin/bash
# Every man page renders without a warning, every tool's man page exists, and every
# tool answers --help (exit 0, a Usage line) and -V.
. "$top_srcdir/testsuite/tap.sh"
command -v man > /dev/null || bail_out "man (man-db) is not installed"
for page in "$top_srcdir"/man/*.[1-9]; do
	[ -f "$page" ] || continue
	out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 > /dev/null)
	if [ -z "$out" ]; then
		ok "$(basename "$page") renders cleanly"
	else
		not_ok "$(basename "$page") has warnings"
		diag "$out"
	fi
done
for tool in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod; do
	bin=$TOOLS/$tool
	# a tool is checked once it is part of the build
	grep -q "tools/$tool\b" "$top_builddir/Makefile" || continue
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
