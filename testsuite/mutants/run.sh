#!/bin/bash
# Mutation testing of the test suite (docs/HACKING.md, "Tests"): each mutant of
# testsuite/mutants/mutants.txt is a small bug in lib/ or tools/. The script copies
# the working tree (the files git tracks or would track), configures the copy once,
# then for each mutant: applies it, rebuilds what changed, runs the tests that own
# that code until one fails, and puts the file back. A mutant that no test catches
# survived: the suite has a hole there. Not part of make check: it rebuilds and
# reruns tests once per mutant.
#
# usage: testsuite/mutants/run.sh [options] [ID...]
#   --list           list the mutants (id, file, tests, why) and exit
#   --workdir DIR    work in DIR and keep it; a later run with the same DIR reuses
#                    the configured copy and copies only the files that changed
#   --keep           keep the temporary work directory (its path is printed)
#   --no-baseline    skip the first run of every owning test on the unmutated copy
#   --file PATH      another mutant list
#   ID...            only these mutants (default: all)
# Environment: MUTANT_TIMEOUT (seconds per test run, default 1200; a run cut off
# counts as a kill, and says so), MUTANT_JOBS (make -j, default 2), FUZZ_SECONDS
# (default 5).
#
# Exit status: 0 every mutant killed; 1 at least one survived; 3 none survived but
# some did not build (a build failure is no kill); 2 the list is stale or
# malformed (an original text that does not occur exactly once, an unknown test),
# the copy does not build, or a test fails without any mutant.
set -u

here=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$here/../.." && pwd)
LIST=$here/mutants.txt
TIMEOUT=${MUTANT_TIMEOUT:-1200}
JOBS=${MUTANT_JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
WORK= keep=0 list_only=0 baseline=1
declare -a WANT=()

die() {
	echo "mutants: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--list) list_only=1; shift ;;
	--workdir) [ $# -ge 2 ] || die "--workdir needs a directory"; WORK=$2; keep=1; shift 2 ;;
	--keep) keep=1; shift ;;
	--no-baseline) baseline=0; shift ;;
	--file) [ $# -ge 2 ] || die "--file needs a path"; LIST=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) WANT+=("$1"); shift ;;
	esac
done

# ---- the list -------------------------------------------------------------------

declare -a M_ID M_FILE M_TESTS M_WHY M_ORIG M_REPL M_NORIG M_NREPL M_LINE

parse_list() {
	local line n=-1 lineno=0
	[ -f "$LIST" ] || die "no mutant list $LIST"
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		case $line in
		'' | '#'*) continue ;;
		'id: '*)
			n=$((n + 1))
			M_ID[n]=${line#id: } M_FILE[n]= M_TESTS[n]= M_WHY[n]=
			M_ORIG[n]= M_REPL[n]= M_NORIG[n]=0 M_NREPL[n]=0 M_LINE[n]=$lineno
			continue ;;
		esac
		[ $n -ge 0 ] || die "$LIST:$lineno: a line outside an entry"
		case $line in
		'file: '*) M_FILE[n]=${line#file: } ;;
		'tests: '*) M_TESTS[n]=${line#tests: } ;;
		'why: '*) M_WHY[n]=${line#why: } ;;
		-*)
			[ "${M_NORIG[n]}" -eq 0 ] || M_ORIG[n]+=$'\n'
			M_ORIG[n]+=${line:1}
			M_NORIG[n]=$((M_NORIG[n] + 1)) ;;
		+*)
			[ "${M_NREPL[n]}" -eq 0 ] || M_REPL[n]+=$'\n'
			M_REPL[n]+=${line:1}
			M_NREPL[n]=$((M_NREPL[n] + 1)) ;;
		*) die "$LIST:$lineno: not a field, a -line or a +line: $line" ;;
		esac
	done <"$LIST"
	[ $n -ge 0 ] || die "$LIST holds no mutant"
}

# occurs_once TEXT PATTERN: PATTERN occurs exactly once in TEXT
occurs_once() {
	local pre
	[[ $1 == *"$2"* ]] || return 1
	pre=${1%%"$2"*}
	[[ ${1:${#pre}+1} != *"$2"* ]]
}

# read_text FILE: the content, trailing newlines included, into $TEXT
read_text() {
	TEXT=$(cat "$1" && echo x) || return 1
	TEXT=${TEXT%x}
}

# scenario_dirs ROOT WORD: the directories a scenario/GLOB word names, into DIRS
scenario_dirs() {
	local d
	DIRS=()
	for d in "$1"/testsuite/scenarios/${2#scenario/}/; do
		[ -f "$d/cmd" ] && DIRS+=("${d%/}")
	done
}

check_entry() {
	local i=$1 id=${M_ID[$1]} w seen
	[[ $id =~ ^[a-z0-9-]+$ ]] || die "line ${M_LINE[i]}: bad id '$id'"
	for ((seen = 0; seen < i; seen++)); do
		[ "${M_ID[seen]}" != "$id" ] || die "$id: the id is used twice"
	done
	[ -n "${M_FILE[i]}" ] && [ -f "$SRC/${M_FILE[i]}" ] || die "$id: no file '${M_FILE[i]}'"
	[ -n "${M_TESTS[i]}" ] || die "$id: no tests"
	[ -n "${M_WHY[i]}" ] || die "$id: no why"
	[ "${M_NORIG[i]}" -gt 0 ] || die "$id: no original text (-lines)"
	[ "${M_ORIG[i]}" != "${M_REPL[i]}" ] || die "$id: the replacement is the original"
	read_text "$SRC/${M_FILE[i]}" || die "$id: cannot read ${M_FILE[i]}"
	occurs_once "$TEXT" "${M_ORIG[i]}" ||
		die "$id: the original text does not occur exactly once in ${M_FILE[i]} (stale mutant)"
	for w in ${M_TESTS[i]}; do
		case $w in
		scenario/*)
			scenario_dirs "$SRC" "$w"
			[ ${#DIRS[@]} -gt 0 ] || die "$id: no scenario matches $w" ;;
		*)
			grep -qE "(^|[[:space:]])$w([[:space:]]|\\\\|\$)" "$SRC"/mk/*.am ||
				die "$id: $w is not in TESTS of mk/*.am" ;;
		esac
	done
}

parse_list
declare -a SEL=()
if [ ${#WANT[@]} -eq 0 ]; then
	for i in "${!M_ID[@]}"; do SEL+=("$i"); done
else
	for id in "${WANT[@]}"; do
		found=
		for i in "${!M_ID[@]}"; do [ "${M_ID[i]}" = "$id" ] && found=$i; done
		[ -n "$found" ] || die "no mutant '$id' (see --list)"
		SEL+=("$found")
	done
fi
# every entry is checked, not only the selected ones: a stale list fails loudly
for i in "${!M_ID[@]}"; do check_entry "$i"; done

if [ $list_only = 1 ]; then
	for i in "${SEL[@]}"; do
		printf '%-30s %-24s %s\n' "${M_ID[i]}" "${M_FILE[i]}" "${M_TESTS[i]}"
		printf '%-30s %s\n' "" "${M_WHY[i]}"
	done
	exit 0
fi

# ---- the copy ---------------------------------------------------------------------

if [ -z "$WORK" ]; then
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mykmod-mutants.XXXXXX") || die "mktemp"
fi
mkdir -p "$WORK/logs" || die "cannot make $WORK/logs"
WORK=$(cd "$WORK" && pwd)
TREE=$WORK/tree
CUR_FILE= CUR_SAVED=

cleanup() {
	# a mutant applied when we were stopped goes back first
	if [ -n "$CUR_FILE" ] && [ -f "$CUR_SAVED" ]; then
		cp "$CUR_SAVED" "$TREE/$CUR_FILE"
	fi
	if [ $keep = 1 ]; then
		echo "mutants: work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# copy_tree: the working tree's files into $TREE; those already there with the
# same content are left alone, so that make rebuilds only what changed
copy_tree() {
	local f
	mkdir -p "$TREE"
	git -C "$SRC" ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$SRC/$f" ] || [ -L "$SRC/$f" ] || continue # deleted, not committed
			cmp -s "$SRC/$f" "$TREE/$f" 2>/dev/null && continue
			mkdir -p "$(dirname "$TREE/$f")" && cp -P "$SRC/$f" "$TREE/$f" || exit 1
		done
}

# build LOG: everything make check needs but the sanitizer and fuzz builds, which
# the tests that use them make themselves
build() {
	make -C "$TREE" -j"$JOBS" check TESTS= check_SCRIPTS= >>"$1" 2>&1
}

echo "mutants: copying $SRC to $TREE" >&2
copy_tree || die "copying the tree failed"
if [ ! -f "$TREE/config.status" ]; then
	echo "mutants: configuring the copy" >&2
	(cd "$TREE" && ./autogen.sh && ./configure --quiet) >"$WORK/logs/configure.log" 2>&1 ||
		die "configure failed: $WORK/logs/configure.log"
fi
echo "mutants: building the copy" >&2
: >"$WORK/logs/build.log"
build "$WORK/logs/build.log" || die "the unmutated copy does not build: $WORK/logs/build.log"

# ---- running tests ------------------------------------------------------------------

# run_test WORD LOG: 0 when WORD's tests pass, 124 when cut off, else 1; the first
# failing line goes to $DETAIL
run_test() {
	local w=$1 log=$2 rc tlog
	DETAIL=
	case $w in
	scenario/*)
		scenario_dirs "$TREE" "$w"
		: >"$WORK/scenario.out"
		top_srcdir=$TREE top_builddir=$TREE timeout -k 10 "$TIMEOUT" \
			"$TREE/testsuite/scenarios/run.sh" --impl my "${DIRS[@]}" \
			>"$WORK/scenario.out" 2>&1
		rc=$?
		cat "$WORK/scenario.out" >>"$log"
		tlog=$WORK/scenario.out ;;
	*)
		timeout -k 10 "$TIMEOUT" make -C "$TREE" check TESTS="$w" check_SCRIPTS= \
			FUZZ_SECONDS="$FUZZ_SECONDS" >>"$log" 2>&1
		rc=$?
		tlog=$TREE/${w%.sh}.log
		[ -f "$tlog" ] && cat "$tlog" >>"$log" ;;
	esac
	[ $rc -eq 0 ] && return 0
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		DETAIL="cut off after ${TIMEOUT}s"
		return 124
	fi
	DETAIL=$(grep -m1 -E '^(not ok|Bail out!)' "$tlog" 2>/dev/null)
	[ -n "$DETAIL" ] || DETAIL="exit $rc"
	return 1
}

if [ $baseline = 1 ]; then
	declare -A done_word=()
	for i in "${SEL[@]}"; do
		for w in ${M_TESTS[i]}; do
			[ -n "${done_word[$w]:-}" ] && continue
			done_word[$w]=1
			echo "mutants: baseline: $w" >&2
			run_test "$w" "$WORK/logs/baseline.log" ||
				die "$w fails without a mutant ($DETAIL): $WORK/logs/baseline.log"
		done
	done
fi

# ---- the mutants -----------------------------------------------------------------

# apply I: the mutant into the copy (the original saved in $CUR_SAVED)
apply() {
	local i=$1 pre post
	read_text "$TREE/${M_FILE[i]}" || return 1
	occurs_once "$TEXT" "${M_ORIG[i]}" || return 1
	CUR_SAVED=$WORK/saved
	cp "$TREE/${M_FILE[i]}" "$CUR_SAVED" || return 1
	CUR_FILE=${M_FILE[i]}
	pre=${TEXT%%"${M_ORIG[i]}"*}
	post=${TEXT:${#pre}+${#M_ORIG[i]}}
	printf '%s%s%s' "$pre" "${M_REPL[i]}" "$post" >"$TREE/${M_FILE[i]}"
}

# revert: the saved original back, with a new time so that make rebuilds it
revert() {
	cp "$CUR_SAVED" "$TREE/$CUR_FILE" || die "cannot restore $CUR_FILE"
	touch "$TREE/$CUR_FILE"
	CUR_FILE=
}

declare -a R_RESULT R_DETAIL
n=0 killed=0 survived=0 broken=0 total=${#SEL[@]}
for i in "${SEL[@]}"; do
	n=$((n + 1))
	id=${M_ID[i]}
	log=$WORK/logs/$id.log
	: >"$log"
	apply "$i" || die "$id: cannot apply to the copy"
	if ! build "$log"; then
		R_RESULT[i]="BUILD-FAIL" R_DETAIL[i]="see $log"
		broken=$((broken + 1))
	else
		R_RESULT[i]=SURVIVED R_DETAIL[i]="passed: ${M_TESTS[i]}"
		for w in ${M_TESTS[i]}; do
			run_test "$w" "$log"
			case $? in
			0) continue ;;
			124) R_RESULT[i]=KILLED R_DETAIL[i]="$w: $DETAIL (counts as a kill)" ;;
			*) R_RESULT[i]=KILLED R_DETAIL[i]="$w: $DETAIL" ;;
			esac
			break
		done
		if [ "${R_RESULT[i]}" = KILLED ]; then
			killed=$((killed + 1))
		else
			survived=$((survived + 1))
		fi
	fi
	revert
	printf 'mutants: [%d/%d] %s: %s (%s)\n' "$n" "$total" "$id" "${R_RESULT[i]}" \
		"${R_DETAIL[i]}" >&2
done
# leave the copy built as it is in the working tree
build "$WORK/logs/build.log" || echo "mutants: the copy did not rebuild after the last revert" >&2

echo
printf '%-30s %-24s %-10s %s\n' MUTANT FILE RESULT DETAIL
for i in "${SEL[@]}"; do
	printf '%-30s %-24s %-10s %s\n' "${M_ID[i]}" "${M_FILE[i]}" "${R_RESULT[i]}" \
		"${R_DETAIL[i]:0:120}"
done
echo
msg="$total mutants, $killed killed, $survived survived"
[ $broken -eq 0 ] || msg="$msg, $broken did not build (no kill)"
echo "$msg"
[ $survived -eq 0 ] || exit 1
[ $broken -eq 0 ] || exit 3
exit 0
