# Source after testsuite/tap.sh and tap_tmpdir.
#
# run_fuzzer NAME FUZZER LIBFUZZER-ARGS...: run a libFuzzer target (built with
# ASan and UBSan) for $FUZZ_SECONDS (60 by default) in $TMPD/artifacts, with the
# given flags and corpus directories (new inputs go to the first one), and
# report one test: ok when it exits 0 and leaves no crash, leak or timeout
# artifact; otherwise the sanitizer's report and the artifacts as diagnostics.
# An input that runs longer than $FUZZ_TIMEOUT seconds (20 by default) is a
# hang: libFuzzer's own default would wait 1200 s for it. Below that, a slow input
# is not reported on its own (libFuzzer's "slow unit" at 10 s came from a busy
# machine: a small input that decompresses to many megabytes under ASan).
run_fuzzer() {
	local name=$1 fuzzer=$2 secs=${FUZZ_SECONDS:-60} timeout=${FUZZ_TIMEOUT:-20} rc runs a
	shift 2
	mkdir -p "$TMPD/artifacts"
	(cd "$TMPD/artifacts" && "$fuzzer" -max_total_time="$secs" -timeout="$timeout" \
		-report_slow_units="$timeout" -rss_limit_mb=2048 -print_final_stats=1 "$@") \
		>"$TMPD/log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$TMPD/log" | tail -1)
	if [ $rc -eq 0 ] && [ -z "$(ls "$TMPD/artifacts")" ]; then
		ok "$name ran ${secs}s without a crash (${runs:-no stats})"
		return
	fi
	not_ok "$name: exit $rc, artifacts: $(ls "$TMPD/artifacts")"
	grep -A30 -E 'ERROR|runtime error|deadly signal|timeout|ALARM' "$TMPD/log" | head -40 | diag
	for a in "$TMPD"/artifacts/*; do
		# whole (up to 8 KiB), so that a CI log is enough to reproduce it:
		# base64 -d >input; the fuzzer run on that input alone
		[ -f "$a" ] && diag "artifact: $(basename "$a") ($(stat -c %s "$a") bytes), base64:" &&
			head -c 8192 "$a" | base64 -w 100 | diag
	done
}
