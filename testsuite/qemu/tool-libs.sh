#!/bin/bash
# tool-libs.sh FILE...: the shared libraries the FILEs need, one absolute path per
# line: what ldd lists, and for our tools also the libraries they load only when a
# file needs them (lib/dynlib.h), which ldd cannot see: their SONAMEs are
# config.h's MK_SONAME_* ($top_builddir/config.h), found with ldconfig, and
# their own libraries with them. For initramfs images that hold our tools.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

ldd_paths() {
	ldd "$1" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'
}

{
	for f; do
		ldd_paths "$f"
	done
	[ -r "$top_builddir/config.h" ] || { echo "tool-libs.sh: no $top_builddir/config.h" >&2; exit 1; }
	for soname in $(sed -n 's/^#define MK_SONAME_[A-Z0-9_]* "\(.*\)"$/\1/p' "$top_builddir/config.h"); do
		# (awk reads to the end: leaving early would SIGPIPE ldconfig, fatal under pipefail)
		lib=$(ldconfig -p | awk -v s="$soname" '$1 == s && /x86-64/ && !n++ { print $NF }')
		[ -n "$lib" ] || { echo "tool-libs.sh: $soname: not found by ldconfig" >&2; exit 1; }
		echo "$lib"
		ldd_paths "$lib"
	done
} | sort -u
