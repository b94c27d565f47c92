#!/bin/bash
# test_mcast_killed - a client that dies without leaving its groups stops
# costing anything once OpenVPN has noticed.  alice and bob join G1; while
# the source sends, alice's OpenVPN client is killed with SIGKILL (no IGMP
# Leave, no exit notification).  OpenVPN notices by its ping timeout
# (keepalive 1 5 -> 10 s on the server); within 1 s of its
# CLIENT_DISCONNECT the helper must have dropped alice: she is gone from the
# status and from then on the helper sends exactly one copy per frame
# (bob's).  bob keeps receiving >= 99 %.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=6400 RATE=400

om_mcast_setup 3 plugin
om_recv_start 1 "$G1"
om_recv_start 2 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"

# alice's tap disappears with her OpenVPN, so count on bob's and carol's.
om_cap_start 2
om_cap_start 3
om_send_start send1 src "$G1" "$N" "$RATE" eth0

alice_sent_ge() {
	local n
	n=$(om_status_field alice 8 2>/dev/null) || return 1
	[ -n "$n" ] && [ "$n" -ge "$1" ]
}
om_wait 10 "helper has sent alice 200 frames" alice_sent_ge 200
om_client_stop 1 KILL
t_kill=$(om_now_us)

om_wait 20 "alice gone from the helper's status after SIGKILL" om_status_lacks_client alice
t_gone=$(om_now_us)
om_status_save alice-gone
line=$(om_server_disconnect_line alice)
[ -n "$line" ] || om_fail "alice left the status but OpenVPN never disconnected her"
t_disc=$(om_log_time_us "$line")
om_log "alice: SIGKILL -> OpenVPN disconnect $(((t_disc - t_kill) / 1000)) ms -> gone from status $(((t_gone - t_kill) / 1000)) ms"
om_assert_le $(((t_gone - t_disc) / 1000)) 1000 "ms from OpenVPN's CLIENT_DISCONNECT of alice until she is gone from status"

# From now on: one copy per frame of G1.  Compare the group's counters over
# a window of at least 200 frames while the source still sends.
# One status snapshot per reading: the counters move between two calls.
group_in() { om_status_group "$G1" | cut -d, -f4; }
row=$(om_status_group "$G1")
in1=$(cut -d, -f4 <<<"$row") out1=$(cut -d, -f5 <<<"$row")
in_grown() { [ "$(group_in)" -ge $((in1 + 200)) ]; }
om_wait 10 "200 more frames of $G1 reach the helper" in_grown
om_status_save window-end
row=$(om_status_group "$G1")
in2=$(cut -d, -f4 <<<"$row") out2=$(cut -d, -f5 <<<"$row")
om_assert_eq "$(cut -d, -f3 <<<"$row")" 1 "status: members of $G1 after alice died"
om_assert_eq $((out2 - out1)) $((in2 - in1)) "copies sent per $((in2 - in1)) frames in, after alice died"

om_send_wait send1
om_wait_quiet
om_cap_stop 2
om_cap_stop 3
om_recv_stop 2 "$G1"
om_assert_ge "$(om_recv_val 2 "$G1" unique)" "$(om_pct_min "$N" 99)" "bob's app: datagrams of $G1"
om_assert_eq "$(om_recv_val 2 "$G1" dup)" 0 "bob's app: duplicates"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames"
