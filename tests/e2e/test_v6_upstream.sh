#!/bin/bash
# test_v6_upstream - IPv6 group data in standalone mode (upstream = "up0"):
# OpenVPN with server-ipv6, MLDv2 members, a source namespace that sends
# UDP to ff3e::8000:1 from two addresses S1 and S2 towards up0.
#   a) bob joins G from S1 only (MLDv2 INCLUDE {S1}): the helper joins G on
#      up0 source-specifically (/proc/net/mcfilter6, UPSTREAM row);
#   b) alice joins G from any source: the upstream join widens to any
#      source; carol joins nothing;
#   c) S1 and S2 each send N datagrams, and so does a sender on the server
#      itself out of its tap (diverted at the tap's egress): alice gets N
#      from each, bob N from S1 and none from the others, carol not one
#      frame of G; copies carry a unicast destination MAC and reach alice's
#      socket; neighbour discovery still works (carol pings the server);
#   d) datagrams that arrive on up0 with hop limit 1 reach no client and
#      are counted as hop limit (TTL) drops;
#   e) alice leaves (MLDv2 TO_IN {}): after the helper dropped her, a second
#      burst from S1 reaches bob only; then bob leaves and the helper
#      leaves G on up0.
# test_nflog_v6_upstream runs the same on the nflog path.
. "$(dirname "$0")/../lib.sh"

G=ff3e::8000:1 S1=${OM_V6_SRC[0]} S2=${OM_V6_SRC[1]} LOCAL=$OM_SERVER_VPN6 N=500 RATE=250 NTTL=100
G_HEX=ff3e0000000000000000000080000001 S1_HEX=20010db8009900000000000000000002

# v6_sources - the sources in the server's filter for G on up0, "SOURCE
# include|exclude" each, from /proc/net/mcfilter6 (32 hex digits each).
v6_sources() {
	local idx dev mca src inc exc
	om_nsx srv cat /proc/net/mcfilter6 | while read -r idx dev mca src inc exc; do
		[ "$dev" = up0 ] && [ "$mca" = "$G_HEX" ] || continue
		echo "$src $([ "$inc" -gt 0 ] && echo include || echo exclude)"
	done | sort | tr '\n' ' '
}

# upstream_row - the UPSTREAM status row of G: 1 UPSTREAM 2 Interface
# 3 Group 4 Filter Mode 5 Sources 6 Frames In 7 TTL Drops 8 Joined
upstream_row() {
	om_status | awk -F, -v g="$G" '$1 == "UPSTREAM" && $3 == g'
}

om_v6_setup 3

# --- a) INCLUDE {S1}: a source-specific join upstream ------------------------
om_recv_start 2 "$G" "$S1"
om_wait 3 "$G joined on up0" om_v6_joined "$G"
om_try_wait 2000000 eval '[ "$(v6_sources)" = "$S1_HEX include " ]' ||
	om_fail "upstream filter of $G on up0: got '$(v6_sources)', expected '$S1_HEX include'"
om_log "ok: /proc/net/mcfilter6 on up0: $(v6_sources)"
om_assert_eq "$(upstream_row | cut -d, -f2,4,5)" "up0,include,$S1" "status UPSTREAM row of $G (bob)"

# --- b) any source ---------------------------------------------------------------
om_recv_start 1 "$G"
om_try_wait 2000000 eval '[ -z "$(v6_sources)" ]' ||
	om_fail "upstream filter of $G on up0 after alice's any-source join: '$(v6_sources)'"
om_assert_eq "$(upstream_row | cut -d, -f2,4,5)" "up0,exclude," "status UPSTREAM row of $G (alice + bob)"
om_helper_lacks_member 3 "$G" || om_fail "the helper lists carol in $G"

# --- c) delivery -----------------------------------------------------------------
burst() { # NAME: S1 sends N; in the first burst S2 and the server too, in parallel
	local i
	for i in 1 2 3; do om_cap_start "$i"; done
	OM_SEND_FROM=$S1 om_send_start "from1-$1" src "$G" "$N" "$RATE" eth0
	if [ "$1" = first ]; then
		OM_SEND_FROM=$S2 om_send_start "from2-$1" src "$G" "$N" "$RATE" eth0
		om_send_start "local-$1" srv "$G" "$N" "$RATE" tap0
	fi
	om_send_wait "from1-$1"
	if [ "$1" = first ]; then
		om_send_wait "from2-$1"
		om_send_wait "local-$1"
	fi
	om_wait_quiet
	for i in 1 2 3; do
		om_cap_stop "$i"
		mv "$OM_OUT/cap-c$i.out" "$OM_OUT/cap-c$i.$1.out"
		mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.$1.log"
	done
}
from() { # I BURST SOURCE - UDP frames to G from SOURCE on client I's tap
	om_v6_from "$1" "$G" "$3" "$OM_OUT/frames-c$1.$2.log"
}
any() { # I BURST - UDP frames to G on client I's tap, unicast ones
	awk -v g="$G" '$1 == "count" && $2 == g && $3 == "udp" { n = $4; u = $5 } END { print n + 0, u + 0 }' \
		"$OM_OUT/cap-c$1.$2.out"
}
burst first
om_assert_eq "$(om_send_val from1-first errors)" 0 "S1's send errors"
om_assert_eq "$(om_send_val from2-first errors)" 0 "S2's send errors"
om_assert_eq "$(from 1 first "$S1")" "$N" "alice's tap: frames from S1"
om_assert_eq "$(from 1 first "$S2")" "$N" "alice's tap: frames from S2"
om_assert_eq "$(from 1 first "$LOCAL")" "$N" "alice's tap: frames from the server's own sender"
om_assert_eq "$(from 2 first "$S1")" "$N" "bob's tap: frames from S1 (INCLUDE {S1})"
om_assert_eq "$(from 2 first "$S2")" 0 "bob's tap: frames from S2 (INCLUDE {S1})"
om_assert_eq "$(from 2 first "$LOCAL")" 0 "bob's tap: frames from the server's own sender (INCLUDE {S1})"
om_assert_eq "$(any 3 first)" "0 0" "carol's tap: frames of $G (no member)"
om_assert_eq "$(any 1 first)" "$((3 * N)) $((3 * N))" "alice's tap: frames of $G, all of them to her MAC"
om_assert_ge "$(upstream_row | cut -d, -f6)" "$((2 * N))" "status: frames in of $G on up0"
om_assert_eq "$(upstream_row | cut -d, -f7)" 0 "status: hop limit drops of $G (hop limit 8)"
om_status_save after-first
# Neighbour discovery (ff02::1:ffXX:XXXX) is not diverted.
om_ping6 3 || om_fail "carol cannot ping6 the server (neighbour discovery; ping6-c3.log)"
om_log "ok: carol pings $OM_SERVER_VPN6"

# --- d) hop limit 1 is not forwarded ------------------------------------------------
for i in 1 2 3; do om_cap_start "$i"; done
OM_SEND_TTL=1 OM_SEND_FROM=$S1 om_send_start hop1 src "$G" "$NTTL" "$RATE" eth0
om_send_wait hop1
om_wait_quiet
for i in 1 2 3; do
	om_cap_stop "$i"
	om_assert_eq "$(om_cap_count "$i" "$G")" 0 "${OM_CLIENT_CN[i]}'s tap: frames of $G sent with hop limit 1"
done
om_assert_eq "$(upstream_row | cut -d, -f7)" "$NTTL" "status: hop limit drops of $G"
om_assert_eq "$(om_status | awk -F, '$1 == "DROPS" && $2 == "upstream_ttl_expired" { print $3 }')" \
	"$NTTL" "status: DROPS upstream_ttl_expired"
grp=$(om_status_group "$G")
om_assert_eq "$(cut -d, -f3 <<<"$grp")" 2 "status GROUP row of $G: members"
om_assert_eq "$(cut -d, -f5 <<<"$grp")" "$((4 * N))" "status GROUP row of $G: frames out"
om_assert_eq "$(om_status_field alice 8) $(om_status_field bob 8) $(om_status_field carol 8)" \
	"$((3 * N)) $N 0" "status: frames sent to alice, bob, carol"

# --- e) leaves -------------------------------------------------------------------------
om_recv_leave 1 "$G" >/dev/null
om_wait 5 "the helper drops alice from $G" om_helper_lacks_member 1 "$G"
om_recv_stop 1 "$G"
om_assert_eq "$(om_recv_val 1 "$G" received)" "$((3 * N))" "alice's socket: datagrams of $G (the sources use the same sequence numbers)"
burst second
om_assert_eq "$(any 1 second)" "0 0" "alice's tap after her leave: frames of $G"
om_assert_eq "$(from 2 second "$S1")" "$N" "bob's tap after alice's leave: frames from S1"
om_assert_eq "$(any 3 second)" "0 0" "carol's tap: frames of $G (no member)"
om_recv_leave 2 "$G" >/dev/null
om_wait 5 "the helper leaves $G on up0 after the last member" om_v6_not_joined "$G"
[ -z "$(upstream_row)" ] || om_fail "status still has an UPSTREAM row for $G"
om_recv_stop 2 "$G"
om_log "frames of $G per client: first burst alice $(any 1 first) bob $(any 2 first) carol $(any 3 first);" \
	"second burst alice $(any 1 second) bob $(any 2 second) carol $(any 3 second) (total unicast)"
