#!/bin/bash
# results.sh SERIAL.LOG
# Compare the MYKMOD-CHECK lines of a guest run with the checks that
# testsuite/qemu/init defines (its "check ID" calls), one line per check:
#     PASS <id> <what>      the guest reported ok
#     FAIL <id> <what>      the guest reported FAIL
#     MISSING <id>          the guest never got there
#     UNKNOWN <id> ...      a result for an id the init does not define
# then "SUMMARY ok" or "SUMMARY bad <reason>" for the guest's summary line.
# Exit status 0 when every check passed and the summary is consistent.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log=${1:?usage: results.sh SERIAL.LOG}
[ -r "$log" ] || { echo "results.sh: cannot read $log" >&2; exit 2; }

expected=$(grep -oE '^check [^ ]+' "$here/init" | cut -d' ' -f2)
total=$(printf '%s\n' "$expected" | wc -l)
status=0

# the serial log may hold kernel messages in the middle of a line: only whole
# lines that start with the marker count
results=$(tr -d '\r' <"$log" | grep -E '^MYKMOD-CHECK [^ ]+ (ok|FAIL) ' || true)

for id in $expected; do
	line=$(printf '%s\n' "$results" | awk -v id="$id" '$2 == id' | tail -n 1)
	if [ -z "$line" ]; then
		echo "MISSING $id"
		status=1
		continue
	fi
	res=$(echo "$line" | cut -d' ' -f3)
	desc=$(echo "$line" | cut -d' ' -f4-)
	if [ "$res" = ok ]; then
		echo "PASS $id $desc"
	else
		echo "FAIL $id $desc"
		status=1
	fi
done

printf '%s\n' "$results" | awk 'NF { print $2 }' | sort -u | while read -r id; do
	# (a here-string, not a pipe: under pipefail, grep -q leaving early would
	# make the writer's SIGPIPE a false "unknown")
	grep -qxF -- "$id" <<<"$expected" || echo "UNKNOWN $id"
done | grep . && status=1

summary=$(tr -d '\r' <"$log" | grep -E '^MYKMOD-SUMMARY ' | tail -n 1 || true)
if [ -z "$summary" ]; then
	echo "SUMMARY bad: no MYKMOD-SUMMARY line (the guest did not finish)"
	status=1
elif ! grep -qE "^MYKMOD-SUMMARY checks=$total passed=[0-9]+ failed=0\$" <<<"$summary"; then
	echo "SUMMARY bad: '$summary' (expected checks=$total failed=0)"
	status=1
else
	echo "SUMMARY ok $summary"
fi
exit $status
