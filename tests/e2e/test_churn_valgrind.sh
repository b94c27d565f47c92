#!/bin/bash
# test_churn_valgrind - the churn of test_churn_soak, shorter and slower,
# with the helper under valgrind memcheck (issue 11, item 2): 48 clients
# connect, join, leave and disconnect at random for OM_VG_SECONDS (default
# 30); the status must equal the ground truth, and at exit memcheck must
# report 0 errors and 0 bytes definitely, indirectly or possibly lost
# (memory still reachable at exit is library state, not a leak, and is only
# logged).  Both data paths: bpf (auto) and nflog, each its own run.
. "$(dirname "$0")/../lib.sh"

SECS=${OM_VG_SECONDS:-30}
om_need_built
om_need_file "$OM_TOOLS/churn" "tests/tools/churn (make tests/tools/churn)"
command -v valgrind >/dev/null || om_skip "valgrind not installed (tests/deps.sh installs it)"
om_ns_add srv

# run_one PATH - one churn under memcheck on data path PATH.
run_one() {
	local p=$1 conf="$OM_OUT/helper-$1.conf" vg="$OM_OUT/valgrind-$1.log"
	OM_DATAPATH=$p om_helper_conf
	mv "$OM_OUT/helper.conf" "$conf"
	echo 'log_level = 1;' >>"$conf"
	echo 'igmp = { query_interval = 10; query_response_interval = 5; };' >>"$conf"
	om_log "churn under valgrind, data path $p, $SECS s"
	# Ticks of 40 ms, a client at most every 10 ticks: memcheck slows the
	# helper down some 20-50 times.
	if ! om_nsx srv "$OM_TOOLS/churn" -H "$OM_HELPER" -c "$conf" -S "$OM_CTL_SOCK" \
		-n 48 -d "$SECS" -T 40 -C 10 -w 30 -r -1 ${OM_SOAK_SEED:+-s "$OM_SOAK_SEED"} -- \
		valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--suppressions="$OM_ROOT/tests/valgrind.supp" --log-file="$vg" \
		>"$OM_OUT/churn-$p.out" 2>"$OM_OUT/churn-$p.err"; then
		cat "$OM_OUT/churn-$p.out" "$OM_OUT/churn-$p.err" >&2
		tail -n 60 "$vg" >&2 || true
		om_fail "churn under valgrind ($p) failed"
	fi
	cat "$OM_OUT/churn-$p.out"
	grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable' "$vg"
	om_assert_eq "$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$vg" | tail -n 1)" 0 \
		"memcheck errors ($p)"
	local k n
	if grep -q 'All heap blocks were freed -- no leaks are possible' "$vg"; then
		om_log "ok: memcheck ($p): all heap blocks were freed at exit"
		return
	fi
	# Else a LEAK SUMMARY, whose lines must all be there and say 0.
	for k in definitely indirectly possibly; do
		n=$(sed -n "s/.*$k lost: \([0-9,]*\) bytes.*/\1/p" "$vg" | tail -n 1 | tr -d ,)
		om_assert_eq "$n" 0 "bytes $k lost ($p)"
	done
}

for p in ${OM_VG_PATHS:-bpf nflog}; do
	run_one "$p"
done
