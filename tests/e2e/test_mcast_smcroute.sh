#!/bin/bash
# test_mcast_smcroute - no igmpproxy: a static multicast route set up with
# smcroute forwards G1 from up0 into tap0 whether anybody joined or not.
# The helper still delivers per client: alice (joined) gets >= 99 %, bob and
# carol (not joined) get nothing.
. "$(dirname "$0")/../lib.sh"
om_need_mroute "smcroute is the subject"

G1=239.1.1.1 N=1000 RATE=500

om_mcast_setup 3 plugin noigmpproxy
om_smcroute_start "$G1"

om_recv_start 1 "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_status_save after
om_recv_stop 1 "$G1"
om_nsx srv smcroutectl -u "$OM_RUN/smcroute.sock" show routes >"$OM_OUT/smcroute-routes.txt" 2>&1 || true

om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$(om_pct_min "$N" 99)" "alice's app: datagrams of $G1"
om_assert_eq "$(om_cap_routed 2)" 0 "bob's tap: multicast data frames (not joined)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (not joined)"
