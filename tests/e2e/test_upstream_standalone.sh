#!/bin/bash
# test_upstream_standalone - standalone mode (upstream = "up0"): no
# igmpproxy, no kernel multicast routing; the helper joins upstream itself.
#   a) alice joins G1: the server's /proc/net/igmp lists G1 on up0, and the
#      status has an UPSTREAM row for it;
#   b) bob joins G1 too: still one upstream membership (one socket);
#   c) the source sends G1: alice and bob get >= 99 %, carol (no member)
#      not one frame; the UPSTREAM row counts the frames in;
#   d) packets that arrive with TTL 1 reach no client and are counted as
#      TTL drops;
#   e) bob leaves, then alice: the upstream membership ends within 1 s of
#      the last leave;
#   f) alice joins G2 and her OpenVPN disconnects: G2's upstream
#      membership ends within 1 s of OpenVPN's disconnect.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 N=1000 RATE=500 NTTL=200 LIMIT_MS=1000
OM_FEED=standalone

om_mcast_setup 3 plugin
grep -q 'mode: standalone on up0' "$OM_OUT/server.log" ||
	om_fail "the helper did not log its mode (standalone on up0) at start"

# upstream_row GROUP - the UPSTREAM status row of GROUP: 1 UPSTREAM
# 2 Interface 3 Group 4 Filter Mode 5 Sources 6 Frames In 7 TTL Drops
upstream_row() {
	om_status | awk -F, -v g="$1" '$1 == "UPSTREAM" && $3 == g'
}

# --- a) join ------------------------------------------------------------------
om_recv_start 1 "$G1"
om_wait 2 "$G1 joined on up0" om_upstream_joined "$G1"
igmp=$(om_upstream_igmp "$G1")
[ -n "$igmp" ] || om_fail "/proc/net/igmp of the server lists no $G1 on up0"
om_log "ok: /proc/net/igmp on up0: $G1 users/timer/reporter = $igmp"
row=$(upstream_row "$G1")
om_assert_eq "$(cut -d, -f2,4,5 <<<"$row")" "up0,exclude," "status UPSTREAM row of $G1 (interface, mode, sources)"

# --- b) a second member, one membership ---------------------------------------
om_recv_start 2 "$G1"
om_assert_eq "$(om_upstream_igmp "$G1" | awk '{ print $1 }')" 1 "users of $G1 on up0 with two members"
om_assert_eq "$(om_status | grep -c "^UPSTREAM,up0,$G1,")" 1 "UPSTREAM rows of $G1"

# --- c) delivery ----------------------------------------------------------------
om_mcast_burst "$N" "$RATE" "$G1"
min=$(om_pct_min "$N" 99)
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1"
om_assert_ge "$(om_cap_count 2 "$G1")" "$min" "bob's tap: frames of $G1"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames"
om_assert_ge "$(upstream_row "$G1" | cut -d, -f6)" "$N" "status: frames in of $G1 on up0"
om_assert_eq "$(upstream_row "$G1" | cut -d, -f7)" 0 "status: TTL drops of $G1 (TTL 8)"
for i in 1 2 3; do
	mv "$OM_OUT/cap-c$i.out" "$OM_OUT/cap-c$i.ttl8.out"
	mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.ttl8.log"
done

# --- d) TTL 1 is not forwarded -----------------------------------------------
OM_SEND_TTL=1 om_mcast_burst "$NTTL" "$RATE" "$G1"
for i in 1 2 3; do
	om_assert_eq "$(om_cap_routed "$i")" 0 "${OM_CLIENT_CN[i]}'s tap: frames sent with TTL 1"
done
om_assert_eq "$(upstream_row "$G1" | cut -d, -f7)" "$NTTL" "status: TTL drops of $G1"
om_assert_eq "$(om_status | awk -F, '$1 == "DROPS" && $2 == "upstream_ttl_expired" { print $3 }')" \
	"$NTTL" "status: DROPS upstream_ttl_expired"
om_status_save after-bursts

# --- e) the last leave ends the upstream membership ----------------------------
om_recv_leave 2 "$G1" >/dev/null
om_wait 2 "the helper drops bob from $G1" om_helper_lacks_member 2 "$G1"
om_upstream_joined "$G1" || om_fail "$G1 left upstream while alice still watches"
t_leave=$(om_recv_leave 1 "$G1")
om_try_wait $((LIMIT_MS * 1000 + 500000)) om_upstream_not_joined "$G1" ||
	om_fail "$G1 still joined on up0 $((LIMIT_MS + 500)) ms after the last member left"
t_gone=$(om_now_us)
om_assert_le $(((t_gone - t_leave) / 1000)) "$LIMIT_MS" "ms from the last leave of $G1 to its upstream leave"
[ -z "$(upstream_row "$G1")" ] || om_fail "status still has an UPSTREAM row for $G1"
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G1"

# --- f) the last member's disconnect ends it too -------------------------------
om_recv_start 1 "$G2"
om_wait 2 "$G2 joined on up0" om_upstream_joined "$G2"
om_client_stop 1
om_try_wait $((LIMIT_MS * 1000 + 5000000)) om_upstream_not_joined "$G2" ||
	om_fail "$G2 still joined on up0 after alice's OpenVPN stopped"
t_gone=$(om_now_us)
line=$(om_server_disconnect_line alice)
[ -n "$line" ] || om_fail "OpenVPN never logged alice's disconnect"
t_disc=$(om_log_time_us "$line")
om_assert_le $(((t_gone - t_disc) / 1000)) "$LIMIT_MS" "ms from OpenVPN's disconnect of alice to the upstream leave of $G2"
