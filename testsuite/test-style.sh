#!/bin/bash
# Every C source follows the project's .clang-format (kernel style: tabs of 8,
# 90 columns). test-features.sh separately builds lib/ with -Wall -Wextra -Werror.
. "$top_srcdir/testsuite/tap.sh"
command -v clang-format > /dev/null || bail_out "clang-format is not installed"
cd "$top_srcdir" || bail_out "no source tree"
for f in lib/*.[ch] tools/*.[ch] testsuite/*.[ch] testsuite/fuzz/*.c testsuite/fakekernel/*.[ch]; do
	[ -f "$f" ] || continue
	out=$(clang-format --dry-run "$f" 2>&1)
	if [ -z "$out" ]; then
		ok "$f is formatted"
	else
		not_ok "$f differs from clang-format ($(grep -c 'warning:' <<< "$out") places)"
		head -6 <<< "$out" | diag
	fi
done
done_testing
