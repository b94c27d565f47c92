#!/bin/bash
# test_demo - `make demo` proves itself: its short mode runs the same
# script without and with the plugin and exits non-zero unless, with the
# plugin, no client receives a frame of a channel it did not tune in to
# while, without it, they do (tests/demo/demo.sh checks both).
# Not on tests/lib.sh: the demo sets up and tears down its own world.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/tests/out/test_demo
mkdir -p "$out"
OM_DEMO_FAST=1 bash "$root/tests/demo/demo.sh" >"$out/demo.txt" 2>&1
rc=$?
tail -n 25 "$out/demo.txt"
if [ "$rc" -ne 0 ]; then
	echo "FAIL: demo exited $rc"
	exit 1
fi
grep -q '^PASS: with the plugin no client got a single frame' "$out/demo.txt" ||
	{ echo "FAIL: demo printed no PASS verdict"; exit 1; }
echo "test_demo: PASS"
