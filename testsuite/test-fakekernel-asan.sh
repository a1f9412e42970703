#!/bin/bash
# Our insmod/rmmod/lsmod built with ASan+UBSan (testsuite/asan/), on every scenario.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
A=$top_builddir/testsuite/asan
for t in myinsmod myrmmod mylsmod; do
	[ -x "$A/$t" ] || { echo "Bail out! $A/$t not built"; exit 1; }
done
export MY_INSMOD=$A/myinsmod MY_RMMOD=$A/myrmmod MY_LSMOD=$A/mylsmod
export ASAN_OPTIONS=abort_on_error=0:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=99
exec "$top_srcdir/testsuite/scenarios/run.sh" --impl my \
	"$top_srcdir"/testsuite/scenarios/insmod-*/ "$top_srcdir"/testsuite/scenarios/rmmod-*/ \
	"$top_srcdir"/testsuite/scenarios/lsmod-*/
