#!/bin/sh
# tests/run-all.sh - the test driver behind `make check`.
#
# Runs, in this order, each as its own test with its own log:
#   - every unit test binary tests/unit/test_* (built by make; *.c skipped)
#   - the VM runner's own tests tests/vm/test_*.sh
#   - every end-to-end test tests/e2e/test_*.sh, except those listed in
#     tests/e2e/PENDING (written ahead of the code they test)
#   - the e2e tests that need kernel multicast routing (they contain the
#     line om_need_mroute): where this kernel lacks it, all of them together
#     inside ONE VM on Debian's stock kernel (tests/vm/run.sh), serially,
#     their lines marked "(vm)"; logs come back to tests/out/ as usual.  With
#     no VM possible here they are SKIP with the reason, never PASS.
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
# Environment: OM_UNIT_TIMEOUT, OM_E2E_TIMEOUT, OM_FUZZ_TIMEOUT,
#   OM_VM_TIMEOUT (the whole VM run) (seconds); OM_NO_VM=1 runs no VM;
#   OM_SUMMARY (where the PASS/FAIL/SKIP lines go; tests/out/summary.txt).
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
VM_TIMEOUT=${OM_VM_TIMEOUT:-3000}
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

# Without kernel multicast routing here, the tests that need it go to a VM
# (never from inside one).
vm_wanted=0
if [ ! -e /proc/net/ip_mr_vif ] && [ -z "${OM_IN_VM:-}" ]; then
	vm_wanted=1
fi
vm_names=""

passed=0
failed=0
skipped=0
failed_names=""
SUMMARY=${OM_SUMMARY:-$OUT/summary.txt}
skip_note=""
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
		result "SKIP $kind/$name (${why:-no reason given}$skip_note)"
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

if [ "$e2e_only" -eq 0 ] && [ -z "${OM_IN_VM:-}" ]; then
	for t in tests/vm/test_*.sh; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .sh)
		selected "$name" || continue
		run_one vm "$name" "$E2E_TIMEOUT" bash "$t"
	done
fi

# The e2e tests need the small C tools in tests/tools; build them once here
# rather than racing to build them from inside each test.  Inside the VM
# they are the host's, built already.
tools=""
for c in tests/tools/*.c; do
	[ -e "$c" ] && tools="$tools ${c%.c}"
done
if [ -n "$tools" ] && [ -z "${OM_IN_VM:-}" ]; then
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
	if [ "$vm_wanted" -eq 1 ] && grep -q 'om_need_mroute' "$t"; then
		vm_names="$vm_names $name"
		continue
	fi
	run_one e2e "$name" "$E2E_TIMEOUT" bash "$t"
done

# The tests that need kernel multicast routing, where this kernel has none:
# one VM boot runs them all (this script again, inside, on their names).
if [ -n "$vm_names" ]; then
	if [ "${OM_NO_VM:-0}" = 1 ]; then
		vm_why="OM_NO_VM=1"
	else
		vm_why=$(bash tests/vm/run.sh --check 2>&1) && vm_why=""
	fi
	if [ -n "$vm_why" ]; then
		# They skip themselves (exit 77) and say why; add why no VM.
		skip_note="; no VM: $vm_why"
		for name in $vm_names; do
			run_one e2e "$name" "$E2E_TIMEOUT" bash "tests/e2e/$name.sh"
		done
		skip_note=""
	else
		vm_sum="$OUT/vm-summary.txt"
		vm_log="$OUT/vm-run.log"
		rm -f "$vm_sum" "$OUT/vm-run.rc"
		n=$(echo "$vm_names" | wc -w)
		echo "vm: kernel $(uname -r) cannot route multicast: $n tests in one VM (log: ${vm_log#"$ROOT"/})"
		vm_start=$(date +%s)
		# Their PASS/FAIL/SKIP lines show as they come, marked (vm); the
		# counted lines are those the inner run wrote to $vm_sum.
		# shellcheck disable=SC2086
		{
			bash tests/vm/run.sh --timeout "$VM_TIMEOUT" --results "$OUT" -- \
				env OM_SUMMARY="$vm_sum" sh tests/run-all.sh --e2e-only $vm_names
			echo $? >"$OUT/vm-run.rc"
		} 2>&1 | tee "$vm_log" | sed -u -E -e '/^[0-9]+ passed, [0-9]+ failed/d' -e '/^failed:/d' \
			-e 's,^(PASS|FAIL|SKIP) (e2e/[^ ]+) ,\1 \2 (vm) ,'
		vm_rc=$(cat "$OUT/vm-run.rc" 2>/dev/null || echo "?")
		for name in $vm_names; do
			line=$(grep -E "^(PASS|FAIL|SKIP) e2e/$name " "$vm_sum" 2>/dev/null | tail -n 1)
			line=$(echo "$line" | sed -E 's,^(PASS|FAIL|SKIP) (e2e/[^ ]+) ,\1 \2 (vm) ,')
			case "$line" in
			PASS*) passed=$((passed + 1)) ;;
			SKIP*) skipped=$((skipped + 1)) ;;
			FAIL*) failed=$((failed + 1)); failed_names="$failed_names e2e/$name(vm)" ;;
			*)
				line="FAIL e2e/$name (vm) (no result: the VM run ended with exit $vm_rc) - log: ${vm_log#"$ROOT"/}"
				echo "$line"
				failed=$((failed + 1))
				failed_names="$failed_names e2e/$name(vm)"
				;;
			esac
			echo "$line" >>"$SUMMARY"
		done
		echo "vm: $n tests in one VM boot took $(($(date +%s) - vm_start)) s" \
			"($(sed -n 's/^vm: kernel .* was up in \([0-9.]*\) s.*/\1 s to boot/p' "$vm_log" | tail -n 1))"
	fi
fi

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
