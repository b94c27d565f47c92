#!/bin/bash
# test_mcast_leave - a Leave takes effect at once for that client only.
# alice and bob join G1; while the source sends, alice's application leaves
# (IGMPv2 Leave: the v2 queries of igmpproxy or the helper keep clients on v2).
# No frame of G1 may reach alice's tap later than 50 ms after the leave,
# bob keeps receiving >= 99 % of everything sent.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=3000 RATE=500 GRACE_US=50000

om_mcast_setup 3 plugin
om_recv_start 1 "$G1"
om_recv_start 2 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"

for i in 1 2 3; do om_cap_start "$i"; done
om_send_start send1 src "$G1" "$N" "$RATE" eth0
# Leave once alice has had a good part of the stream (about 1/4 of it),
# so the stream goes on for seconds after her leave.
om_wait 20 "alice's tap has 700 frames of $G1" om_cap_frames_ge 1 "$G1" 700
t_leave=$(om_recv_leave 1 "$G1")
om_log "alice left $G1 at $t_leave"
om_wait 2 "helper drops alice from $G1" om_helper_lacks_member 1 "$G1"
om_send_wait send1
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_status_save after
om_assert_eq "$(om_status_group "$G1" | cut -d, -f3)" 1 "status: members of $G1 after alice left"
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G1"

late=$(om_cap_after 1 "$G1" $((t_leave + GRACE_US)))
if [ "$late" -ne 0 ]; then
	om_log "first late frames on alice's tap:"
	awk -v g="$G1" -v t=$((t_leave + GRACE_US)) '$2 == g && $3 == "udp" && n < 5 { split($1, a, ".");
		if (a[1] * 1000000 + a[2] > t) { print "  " $0; n++ } }' "$OM_OUT/frames-c1.log" >&2
fi
om_assert_eq "$late" 0 "alice's tap: frames of $G1 later than 50 ms after her leave"
om_assert_ge "$(om_cap_count 1 "$G1")" 700 "alice's tap: frames of $G1 before her leave"
# With igmpproxy, alice's leave makes it send a group-specific query, and
# bob keeps the route only by answering within its last-member query time:
# a time bound that emulation (the VM) cannot meet.  Natively it holds, and
# the standalone run of this test asserts the same on every kernel.
if [ "$(om_feed)" = standalone ] || om_native_only "bob's app gets >= 99 % of $G1 across alice's leave"; then
	om_assert_ge "$(om_recv_val 2 "$G1" unique)" "$(om_pct_min "$N" 99)" "bob's app: datagrams of $G1"
fi
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames"
