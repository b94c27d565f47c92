#!/bin/sh
# tests/run-all.sh - the test driver behind `make check`.
#
# Runs, in this order, each as its own test with its own log:
#   - every unit test binary tests/unit/test_* (built by make; *.c skipped)
#   - every end-to-end test tests/e2e/test_*.sh, except those listed in
#     tests/e2e/PENDING (written ahead of the code they test)
#   - `make fuzz-check`, if the Makefile has that target and clang exists
# Prints one PASS/FAIL/SKIP line per test (with the log tail on failure) and
# ends with the line "N passed, N failed, N skipped".  Exits non-zero if
# anything failed.  A test that exits 77 could not run here (e.g. it needs
# kernel multicast routing): it counts as skipped, with the reason from its
# last "SKIP:" log line, never as passed.
#
# Usage: sh tests/run-all.sh [--e2e-only] [NAME...]
#   NAME limits the run to tests whose name (e.g. test_registry) is given;
#   a NAME also runs a test listed in PENDING.
# Environment: OM_UNIT_TIMEOUT, OM_E2E_TIMEOUT, OM_FUZZ_TIMEOUT (seconds).
#
# POSIX sh on purpose: the Makefile runs it as `sh tests/run-all.sh`.
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
OUT="$ROOT/tests/out"
mkdir -p "$OUT"

UNIT_TIMEOUT=${OM_UNIT_TIMEOUT:-120}
E2E_TIMEOUT=${OM_E2E_TIMEOUT:-600}
FUZZ_TIMEOUT=${OM_FUZZ_TIMEOUT:-900}
TAIL_LINES=${OM_TAIL_LINES:-40}

e2e_only=0
only=""
for a in "$@"; do
	case "$a" in
	--e2e-only) e2e_only=1 ;;
	-*) echo "usage: $0 [--e2e-only] [NAME...]" >&2; exit 2 ;;
	*) only="$only $(basename "$a" .sh) " ;;
	esac
done

passed=0
failed=0
skipped=0
failed_names=""
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"

# result LINE - print a PASS/FAIL/SKIP line and keep it for the summary.
result() {
	echo "$1"
	echo "$1" >>"$SUMMARY"
}

# selected NAME - true when NAME should run given the command line.
selected() {
	[ -z "$only" ] && return 0
	case "$only" in *" $1 "*) return 0 ;; esac
	return 1
}

# pending NAME - true when NAME is listed in tests/e2e/PENDING.
pending() {
	[ -f tests/e2e/PENDING ] || return 1
	grep -v '^[[:space:]]*#' tests/e2e/PENDING | grep -qx "[[:space:]]*$1[[:space:]]*"
}

# run_one KIND NAME TIMEOUT CMD... - run CMD with a timeout, log everything
# to tests/out/KIND-NAME.log, print PASS/FAIL and count it.
run_one() {
	kind=$1 name=$2 limit=$3
	shift 3
	log="$OUT/$kind-$name.log"
	start=$(date +%s)
	# -k: a test that ignores SIGTERM is killed 20 s later; e2e tests clean
	# up their namespaces from their SIGTERM trap.
	timeout -k 20 "$limit" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		result "PASS $kind/$name (${secs}s)"
		passed=$((passed + 1))
	elif [ "$rc" -eq 77 ]; then
		why=$(sed -n 's/^.*SKIP: //p' "$log" | tail -n 1)
		result "SKIP $kind/$name (${why:-no reason given})"
		skipped=$((skipped + 1))
	else
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="timed out after ${limit}s"
		else
			why="exit $rc"
		fi
		result "FAIL $kind/$name ($why, ${secs}s) - log: ${log#"$ROOT"/}"
		echo "---- last $TAIL_LINES lines of ${log#"$ROOT"/} ----"
		tail -n "$TAIL_LINES" "$log" | sed 's/^/    /'
		echo "----"
		failed=$((failed + 1))
		failed_names="$failed_names $kind/$name"
	fi
}

if [ "$e2e_only" -eq 0 ]; then
	for t in tests/unit/test_*; do
		[ -e "$t" ] || continue
		case "$t" in *.c|*.h|*.o|*.d) continue ;; esac
		[ -f "$t" ] && [ -x "$t" ] || continue
		name=$(basename "$t")
		selected "$name" || continue
		run_one unit "$name" "$UNIT_TIMEOUT" "./$t"
	done
fi

# The e2e tests need the small C tools in tests/tools; build them once here
# rather than racing to build them from inside each test.
tools=""
for c in tests/tools/*.c; do
	[ -e "$c" ] && tools="$tools ${c%.c}"
done
if [ -n "$tools" ]; then
	# shellcheck disable=SC2086
	if ! make --no-print-directory $tools >"$OUT/build-tools.log" 2>&1; then
		result "FAIL build/tools - log: tests/out/build-tools.log"
		tail -n "$TAIL_LINES" "$OUT/build-tools.log" | sed 's/^/    /'
		failed=$((failed + 1))
		failed_names="$failed_names build/tools"
	fi
fi

for t in tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -z "$only" ] && pending "$name"; then
		result "SKIP e2e/$name (listed in tests/e2e/PENDING)"
		skipped=$((skipped + 1))
		continue
	fi
	selected "$name" || continue
	run_one e2e "$name" "$E2E_TIMEOUT" bash "$t"
done

if [ "$e2e_only" -eq 0 ] && [ -z "$only" ]; then
	# Only a real rule counts: a name in .PHONY without a recipe is not a
	# fuzz run.
	if grep -q '^fuzz-check:' Makefile; then
		if command -v clang >/dev/null 2>&1; then
			run_one fuzz fuzz-check "$FUZZ_TIMEOUT" \
				make --no-print-directory fuzz-check
		else
			result "SKIP fuzz/fuzz-check (clang not installed)"
			skipped=$((skipped + 1))
		fi
	fi
fi

if [ "$failed" -gt 0 ]; then
	echo "failed:$failed_names"
fi
result "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
