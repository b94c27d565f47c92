#!/bin/bash
# test_mcast_expiry - a member that silently stops answering queries (no
# Leave: here its IGMP output is blocked) is dropped once its membership
# times out, and its copies stop; members that answer stay.
# The helper is the querier (no igmpproxy; a smcroute static route, or in
# standalone mode the helper's upstream join, keeps G1
# flowing into tap0 regardless) with short timers:
#   group membership interval = robustness 2 * query_interval 2 s
#                               + query_response_interval 1 s = 5 s.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 RATE=200 N=2000 GMI_S=5
OM_HELPER_EXTRA='igmp = { querier = "on"; version = 2; robustness = 2; query_interval = 2; query_response_interval = 1; };'

om_mcast_setup 3 plugin noigmpproxy
om_static_feed_start "$G1"
om_recv_start 1 "$G1"
om_recv_start 2 "$G1"

for i in 1 2 3; do om_cap_start "$i"; done
om_send_start send1 src "$G1" "$N" "$RATE" eth0
om_wait 10 "alice's tap has 100 frames of $G1" om_cap_frames_ge 1 "$G1" 100

# From now on alice's kernel cannot answer queries.
om_nsx c1 nft -f - <<'EOF'
table inet om_block_igmp {
	chain out {
		type filter hook output priority 0; policy accept;
		meta l4proto igmp drop
	}
}
EOF
t_block=$(om_now_us)
om_log "alice's IGMP output blocked"

if ! om_try_wait $(((GMI_S + 3) * 1000000)) om_helper_lacks_member 1 "$G1"; then
	om_status_save not-expired
	om_fail "alice still a member of $G1 $((GMI_S + 3)) s after she stopped answering"
fi
t_drop=$(om_now_us)
om_status_save expired
om_log "alice dropped from $G1 $(((t_drop - t_block) / 1000)) ms after her IGMP was blocked"
om_helper_has_member 2 "$G1" || om_fail "bob, who answers the queries, was dropped too"

om_send_wait send1
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G1"

# t_drop is when the status showed it; allow 100 ms for copies in flight.
om_assert_eq "$(om_cap_after 1 "$G1" $((t_drop + 100000)))" 0 "alice's tap: frames of $G1 after her membership expired"
om_assert_ge "$(om_recv_val 2 "$G1" unique)" "$(om_pct_min "$N" 99)" "bob's app: datagrams of $G1"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames"
