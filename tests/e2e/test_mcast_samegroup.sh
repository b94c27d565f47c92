#!/bin/bash
# test_mcast_samegroup - two clients in the same group both get it: alice
# and bob join G1 and each application receives >= 99 %; carol, who joined
# nothing, sees no routed multicast frame on her tap.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=1000 RATE=500

om_mcast_setup 3 plugin
om_recv_start 1 "$G1"
om_recv_start 2 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"

om_mcast_burst "$N" "$RATE" "$G1"
om_status_save after
om_assert_eq "$(om_status_group "$G1" | cut -d, -f3)" 2 "status: members of $G1"
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G1"

min=$(om_pct_min "$N" 99)
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$min" "alice's app: datagrams of $G1"
om_assert_ge "$(om_recv_val 2 "$G1" unique)" "$min" "bob's app: datagrams of $G1"
# One copy per member, not two: duplicates would mean both the flood and
# the helper's copy got through.
om_assert_eq "$(om_recv_val 1 "$G1" dup)" 0 "alice's app: duplicate datagrams"
om_assert_eq "$(om_recv_val 2 "$G1" dup)" 0 "bob's app: duplicate datagrams"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (joined nothing)"
