#!/bin/bash
# test_mcast_linklocal - link-local multicast (224.0.0.0/24) is not the
# helper's business and must still reach every client: igmpproxy's IGMP
# general query to 224.0.0.1 (clients answer queries, so they need it) and
# a UDP stream to 224.0.0.251 sent on tap0 by a program on the server.
. "$(dirname "$0")/../lib.sh"

LL=224.0.0.251 N=200 RATE=200

om_mcast_setup 3 plugin noigmpproxy
for i in 1 2 3; do om_cap_start "$i"; done
# igmpproxy sends a general query on tap0 as soon as it starts.  Without
# it (standalone mode), a program on the server sends one through the same
# kernel path (raw socket, out of tap0).
om_feed_start
if [ "$(om_feed)" = standalone ]; then
	om_need_tools igmpsend
	om_nsx srv "$OM_TOOLS/igmpsend" -i tap0 v2query 0.0.0.0 || om_fail "igmpsend v2query"
fi
got_query() { grep -q ' 224\.0\.0\.1 igmp ' "$OM_OUT/frames-c$1.log"; }
for i in 1 2 3; do
	om_wait 10 "${OM_CLIENT_CN[i]}'s tap receives the server's general query" got_query "$i"
	om_log "ok: ${OM_CLIENT_CN[i]} got the IGMP general query"
done
om_send_start ll srv "$LL" "$N" "$RATE" tap0
om_send_wait ll
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_status_save after

om_assert_eq "$(om_send_val ll errors)" 0 "sender of $LL: send errors"
for i in 1 2 3; do
	om_assert_ge "$(om_cap_count "$i" "$LL")" "$(om_pct_min "$N" 99)" "${OM_CLIENT_CN[i]}'s tap: frames of $LL"
	om_assert_ge "$(om_cap_count "$i" 224.0.0.1 igmp)" 1 "${OM_CLIENT_CN[i]}'s tap: IGMP queries to 224.0.0.1"
done
