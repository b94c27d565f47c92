#!/bin/bash
# test_tap_flap - the server's tap0 goes down and comes back (an operator's
# `ip link set tap0 down/up`, a network manager touching it).  The helper
# keeps its memberships, its IGMP capture keeps working, and delivery resumes:
# alice (member of G1) gets >= 99 % of a burst sent after the flap, carol
# (no member) nothing; a leave sent after the flap is still seen.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=500 RATE=500

om_mcast_setup 3 plugin
om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_assert_ge "$(om_cap_count 1 "$G1")" "$(om_pct_min "$N" 99)" "alice's tap: frames of $G1 before the flap"

om_nsx srv ip link set tap0 down
sleep 1.5
om_nsx srv ip link set tap0 up
om_log "tap0 flapped"
om_assert_eq "$(om_status_field alice 7)" "$G1" "status: alice's groups after the flap"

mv "$OM_OUT/cap-c1.out" "$OM_OUT/cap-c1.before.out"
mv "$OM_OUT/cap-c3.out" "$OM_OUT/cap-c3.before.out"
om_mcast_burst "$N" "$RATE" "$G1"
om_assert_ge "$(om_cap_count 1 "$G1")" "$(om_pct_min "$N" 99)" "alice's tap: frames of $G1 after the flap"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames after the flap"

om_recv_leave 1 "$G1" >/dev/null
om_try_wait 2000000 om_helper_lacks_member 1 "$G1" ||
	om_fail "alice's leave after the flap not seen by the helper"
om_log "ok: alice's leave after the flap was seen"
