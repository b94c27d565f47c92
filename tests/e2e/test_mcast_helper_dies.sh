#!/bin/bash
# test_mcast_helper_dies - if the helper dies (SIGKILL: no cleanup of its
# own), OpenVPN keeps serving and multicast falls back to OpenVPN's
# flooding instead of being black-holed by a diversion nobody reads.
#   before: alice (member of G1) gets G1, carol (no member) gets nothing;
#   helper killed -> the server logs it, OpenVPN and the clients stay up,
#   alice still gets >= 99 % of G1, and the diversion table is gone.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=500 RATE=500

om_mcast_setup 3 plugin
om_recv_start 1 "$G1"
om_wait 10 "igmpproxy joined $G1 upstream" om_upstream_joined "$G1"

om_mcast_burst "$N" "$RATE" "$G1"
min=$(om_pct_min "$N" 99)
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1 (helper alive)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (helper alive)"

helper=""
for p in $(ip netns pids "$(om_ns srv)"); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$OM_HELPER" ] && helper=$p
done
[ -n "$helper" ] || om_fail "no helper process found in the server namespace"
kill -KILL "$helper"
om_log "killed helper pid $helper"
helper_gone_logged() { grep -q 'helper is gone' "$OM_OUT/server.log"; }
om_wait 5 "server log says the helper is gone" helper_gone_logged
om_alive "$OM_SERVER_PID" || om_fail "OpenVPN server died with its helper"

for i in 1 2 3; do
	mv "$OM_OUT/cap-c$i.out" "$OM_OUT/cap-c$i.before.out"
	mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.before.log"
done
# Once the helper is gone, the kernel's frames must reach tap0 again.
om_wait 5 "diversion table removed after the helper died" eval '! om_nft_table_present'
om_mcast_burst "$N" "$RATE" "$G1"
om_recv_stop 1 "$G1"
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1 after the helper died"
om_alive "$OM_SERVER_PID" || om_fail "OpenVPN server died"
