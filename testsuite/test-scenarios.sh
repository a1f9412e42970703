#!/bin/bash
# Every scenario under testsuite/scenarios/, against kmod's tools and against ours.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
exec "$top_srcdir/testsuite/scenarios/run.sh" "$top_srcdir"/testsuite/scenarios/*/
