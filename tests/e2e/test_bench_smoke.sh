#!/bin/bash
# test_bench_smoke - `make bench` in its short form (BENCH_SMOKE=1: 2
# clients, one member, one 1 s stream per mode, one latency round) runs to
# the end and leaves a well-formed table, JSON and, with gnuplot, a PNG.
# No timed assertion and no figure is judged: this only proves that the
# bench still measures (every mode that can run here gave numbers) and that
# it cleans up after itself.
. "$(dirname "$0")/../lib.sh"

RES="$OM_OUT/results"
om_need_built
om_need_tools mcsend mcrecv tapcount

om_log "running tests/bench/bench.sh with BENCH_SMOKE=1 (logs: tests/out/$OM_TEST/run/)"
rc=0
BENCH_SMOKE=1 BENCH_RESULTS="$RES" OM_TEST_NAME="$OM_TEST/run" \
	bash "$OM_ROOT/tests/bench/bench.sh" >"$OM_OUT/table.txt" 2>"$OM_OUT/bench.err" &
pid=$!
wait "$pid" || rc=$?
cat "$OM_OUT/table.txt" >&2
[ "$rc" = 0 ] || { tail -n 30 "$OM_OUT/bench.err" >&2; om_fail "bench exited with $rc"; }
om_log "ok: the bench exited 0"

left=$(ip netns list | awk -v p="om$pid-" 'index($1, p) == 1' | paste -sd' ')
om_assert_eq "$left" "" "namespaces the bench left behind"

# The table: its header and one row per mode.
grep -q '^mode .*waste M=1 .*cpu M=1 .*join .*leave .*discon' "$OM_OUT/table.txt" ||
	om_fail "table header missing"
for mode in plain bpf nflog bridge; do
	row=$(grep "^$mode " "$OM_OUT/table.txt") || om_fail "table has no row for $mode"
	if grep -q 'n/a' <<<"$row"; then
		om_log "ok: $mode row says why it did not run: ${row#"$mode"}"
	else
		# waste, cpu, ratio, 3 latencies, delivered: numbers, '-', '>N' or 'floods'
		om_assert_eq "$(awk '{ print NF }' <<<"$row")" 8 "fields in the $mode row"
		awk '{ for (i = 2; i <= 3; i++) if ($i !~ /^[0-9.]+$/) exit 1 }' <<<"$row" ||
			om_fail "$mode row: waste and cpu are not numbers: $row"
		om_log "ok: $mode row: $row"
	fi
done

# The JSON: parses, and every mode that ran has its figures.
for f in "$RES/latest.json" "$RES/latest-samples.tsv"; do
	[ -s "$f" ] || om_fail "missing or empty: $f"
done
ls "$RES"/bench-*.json >/dev/null 2>&1 || om_fail "no timestamped copy of the JSON in $RES"
if command -v jq >/dev/null; then
	jq -e . "$RES/latest.json" >/dev/null || om_fail "latest.json is not valid JSON"
	om_assert_eq "$(jq -r '[.modes[].mode] | join(" ")' "$RES/latest.json")" "plain bpf nflog bridge" "modes in the JSON"
	bad=$(jq -r '.modes[] | select(.available) | select((.results | length) == 0
		or (.results[0].cpu_us_per_copy | type) != "number"
		or (.results[0].member_bytes_per_dgram | type) != "number"
		or (.results[0].samples | length) == 0
		or (.mode != "plain" and (.latency_ms.join.samples | length) == 0)
		or (.mode != "plain" and (.latency_ms.disconnect.samples | length) == 0)) | .mode' "$RES/latest.json")
	om_assert_eq "$bad" "" "modes that ran but lack figures in the JSON"
	om_log "ok: JSON: $(jq -c '[.modes[] | {mode, available, cpu: .results[0].cpu_us_per_copy}]' "$RES/latest.json")"
elif command -v python3 >/dev/null; then
	python3 -m json.tool "$RES/latest.json" >/dev/null || om_fail "latest.json is not valid JSON"
	om_log "ok: latest.json parses (python3; no jq for the field checks)"
else
	om_fail "neither jq nor python3 to check the JSON (make deps installs jq)"
fi

if command -v gnuplot >/dev/null; then
	[ "$(head -c 4 "$RES/latest.png" | od -An -c | tr -d ' ')" = '211PNG' ] ||
		om_fail "latest.png missing or not a PNG"
	om_log "ok: latest.png is a PNG"
else
	om_log "no gnuplot: no picture expected (make deps installs gnuplot-nox)"
fi
