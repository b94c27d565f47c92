#!/bin/bash
# test_mcast_select - per-client delivery, the point of the project.
# c1 (alice) joins G1, c2 (bob) joins G2, c3 (carol) joins nothing; the
# source sends both groups through igmpproxy into the server's tap0 (or,
# standalone, to the helper's upstream join on up0).
# With the plugin: each member's application gets >= 99 % of its group, no
# client's tap sees a single frame of a group it did not join, and carol's
# tap sees no routed multicast at all.  (test_mcast_flood_baseline runs the
# same traffic without the plugin and sees everything everywhere.)
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 N=1000 RATE=500

om_mcast_setup 3 plugin
om_wait 5 "helper installed its data path on tap0" om_dp_installed
om_recv_start 1 "$G1"
om_recv_start 2 "$G2"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_wait 10 "$G2 joined upstream" om_upstream_joined "$G2"

om_mcast_burst "$N" "$RATE" "$G1" "$G2"
om_status_save after
min=$(om_pct_min "$N" 99)

# What the operator sees in the status (while the receivers are joined).
om_assert_eq "$(om_status_group "$G1" | cut -d, -f3)" 1 "status: members of $G1"
om_assert_eq "$(om_status_group "$G2" | cut -d, -f3)" 1 "status: members of $G2"
om_assert_ge "$(om_status_field alice 8)" "$min" "status: Frames Sent to alice"
om_assert_ge "$(om_status_field bob 8)" "$min" "status: Frames Sent to bob"
om_assert_eq "$(om_status_field carol 8)" 0 "status: Frames Sent to carol"

om_recv_stop 1 "$G1"
om_recv_stop 2 "$G2"
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$min" "alice's app: datagrams of $G1"
om_assert_ge "$(om_recv_val 2 "$G2" unique)" "$min" "bob's app: datagrams of $G2"
om_assert_eq "$(om_cap_count 1 "$G2")" 0 "alice's tap: frames of $G2 (not joined)"
om_assert_eq "$(om_cap_count 2 "$G1")" 0 "bob's tap: frames of $G1 (not joined)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (joined nothing)"

# The mechanism of the design: members get one copy each, addressed to
# their own MAC, not the flooded group MAC.
om_assert_eq "$(om_cap_unicast 1 "$G1")" "$(om_cap_count 1 "$G1")" "alice's tap: $G1 frames with her unicast MAC = all $G1 frames"
om_assert_eq "$(om_cap_unicast 2 "$G2")" "$(om_cap_count 2 "$G2")" "bob's tap: $G2 frames with his unicast MAC = all $G2 frames"
