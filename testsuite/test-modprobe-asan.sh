#!/bin/bash
# Every modprobe scenario, run with mymodprobe built with ASan+UBSan (leak checks on):
# a memory error, undefined behaviour or leak shows in stderr and fails the scenario.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
san=$top_builddir/testsuite/asan/mymodprobe
if [ ! -x "$san" ]; then
	echo "Bail out! $san not built (make check builds it)"
	exit 1
fi
export MY_MODPROBE=$san
exec "$top_srcdir/testsuite/scenarios/run.sh" --impl my "$top_srcdir"/testsuite/scenarios/modprobe-*/
