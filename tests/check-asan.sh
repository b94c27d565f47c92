#!/bin/sh
# tests/check-asan.sh - `make check-asan`: the unit tests and the host e2e
# tests with the helper built with -fsanitize=address,undefined
# -fno-sanitize-recover=all.
#
# The normal objects live next to the sources, so the sanitizer build goes to
# a copy of the tree (ASAN_DIR, default tests/out/asan/tree: the working
# tree's files as git lists them, edits included), never mixed into the
# normal build.  There it builds in two passes:
#   1. normally: the plugin, and the test tools.  OpenVPN, which is not
#      built with ASan, dlopen()s the plugin, and an ASan-built shared object
#      needs the ASan runtime loaded first (LD_PRELOAD into OpenVPN would
#      sanitize OpenVPN itself and its other plugins too).  The plugin's own
#      code is covered by the unit tests of plugin/ and by the fuzzers.
#   2. with the sanitizers: the helper (all of helper/, and plugin/ minus
#      the OpenVPN entry points, as the unit tests link them) and the units.
# Then it runs, through tests/run-all.sh, every unit test and the e2e tests
# in ASAN_TESTS (default: every host e2e test but those below).  A
# sanitizer report of any process, even one the test itself did not fail
# on (e.g. a leak at exit), fails the run: reports are written as files
# to ASAN_DIR/reports (log_path) and listed at the end.
#
# Not run here: the tests that need kernel multicast routing (a VM, slow),
# test_install and test_deb_package (they run `make install` with another
# PREFIX or build the package, which rebuilds the helper without the
# sanitizers), test_churn_valgrind
# (valgrind cannot run an ASan binary) and
# test_helper_caps (the helper runs as nobody and is then not dumpable, so
# LeakSanitizer cannot stop its threads at exit); memcheck covers leaks of
# the helper in test_churn_valgrind.  Nor the tests that measure speed
# rather than behaviour, which an ASan build (2-3 times slower) fails by
# design: test_igmp_latency (bounds in ms), test_bench_smoke and test_demo
# (frame counts of a benchmark and a demo, 3-4 minutes together); every
# path they take is also taken by the tests that run.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
DIR=${ASAN_DIR:-$ROOT/tests/out/asan}
TREE="$DIR/tree"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
FLAGS="-O1 -g -fno-omit-frame-pointer $SAN"
EXCLUDE="test_churn_valgrind test_helper_caps test_install test_deb_package test_igmp_latency test_bench_smoke test_demo"

rm -rf "$DIR"
mkdir -p "$TREE" "$DIR/reports"
# The helper may run as another user: it must be able to write its report.
chmod 1777 "$DIR/reports"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf - | tar -xf - -C "$TREE" || exit 1
else
	tar --exclude=./tests/out --exclude='*.o' -cf - . | tar -xf - -C "$TREE" || exit 1
	make -C "$TREE" --no-print-directory clean >/dev/null
fi

echo "check-asan: building in ${TREE#"$ROOT"/}"
tools=$(cd "$TREE" && for c in tests/tools/*.c; do printf '%s ' "${c%.c}"; done)
# shellcheck disable=SC2086
make -C "$TREE" --no-print-directory plugin/openvpn-plugin-mcast.so $tools tests/demo/chanmeter \
	>"$DIR/build-plain.log" 2>&1 || { tail -n 40 "$DIR/build-plain.log"; exit 1; }
units=$(cd "$TREE" && for c in tests/unit/test_*.c; do printf '%s ' "${c%.c}"; done)
# shellcheck disable=SC2086
make -C "$TREE" --no-print-directory CFLAGS="$FLAGS" LDFLAGS="$SAN" \
	helper/openvpn-mcast-helper $units >"$DIR/build-asan.log" 2>&1 ||
	{ tail -n 40 "$DIR/build-asan.log"; exit 1; }
# Pass 2 must not have touched the plugin, and the helper must be sanitized.
nm -D "$TREE/plugin/openvpn-plugin-mcast.so" | grep -q __asan && {
	echo "check-asan: the plugin was built with ASan"; exit 1; }
nm "$TREE/helper/openvpn-mcast-helper" | grep -q __asan_report || {
	echo "check-asan: the helper is not built with ASan"; exit 1; }

names=""
for u in $units; do names="$names $(basename "$u")"; done
if [ -n "${ASAN_TESTS:-}" ]; then
	names="$names $ASAN_TESTS"
else
	for t in tests/e2e/test_*.sh; do
		n=$(basename "$t" .sh)
		grep -q om_need_mroute "$t" && continue
		grep -v '^[[:space:]]*#' tests/e2e/PENDING 2>/dev/null | grep -qx "[[:space:]]*$n[[:space:]]*" && continue
		case " $EXCLUDE " in *" $n "*) continue ;; esac
		names="$names $n"
	done
fi

# Tests that measure the helper's memory know not to (ASan's quarantine);
# the churn soak runs 30 s here (90 s in make check).
export OM_ASAN=1
export OM_SOAK_SECONDS="${OM_SOAK_SECONDS:-30}"
export ASAN_OPTIONS="log_path=$DIR/reports/asan:detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="log_path=$DIR/reports/ubsan:print_stacktrace=1:halt_on_error=1"
echo "check-asan: $(echo $names | wc -w) tests"
start=$(date +%s)
# shellcheck disable=SC2086
OM_NO_VM=1 OM_SUMMARY="$DIR/summary.txt" sh "$TREE/tests/run-all.sh" $names
rc=$?
echo "check-asan: the run took $(($(date +%s) - start)) s; logs in ${TREE#"$ROOT"/}/tests/out/"
reports=$(ls "$DIR/reports" 2>/dev/null)
if [ -n "$reports" ]; then
	echo "check-asan: sanitizer reports:"
	for r in $reports; do
		echo "---- ${DIR#"$ROOT"/}/reports/$r"
		head -n 60 "$DIR/reports/$r"
	done
	rc=1
fi
# UBSan (gcc 12) writes to stderr whatever log_path says, and a helper's
# stderr ends in the test's logs (OpenVPN's log, the churn's): look there.
found=$(grep -rlE 'runtime error: |ERROR: (AddressSanitizer|LeakSanitizer)' "$TREE/tests/out" 2>/dev/null)
if [ -n "$found" ]; then
	echo "check-asan: sanitizer reports in test logs:"
	for f in $found; do
		echo "---- ${f#"$ROOT"/}"
		grep -m 3 -A 12 -E 'runtime error: |ERROR: (AddressSanitizer|LeakSanitizer)' "$f"
	done
	rc=1
fi
[ "$rc" = 0 ] && echo "check-asan: ok, no sanitizer report"
exit "$rc"
