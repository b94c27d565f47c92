#!/bin/bash
# test_mld_reconnect - the MLD side of test_mcast_reconnect_persist: a
# client whose OpenVPN reconnects with persist-tun keeps its tap and its
# joined IPv6 socket, so its kernel sends no new MLD report by itself, and
# the server side sees a new client instance without memberships.  The
# helper, the only MLD querier (query interval 30 s: start-up queries 7.5 s
# apart, then every 30 s), must ask the returning client at once (all
# nodes until the new instance's MAC is known, then that MAC): alice is
# listed in G6 again within 3 s of her reconnect, long before the next
# scheduled general query (about 27 s later).
. "$(dirname "$0")/../lib.sh"

G6=ff3e::8000:7 BACK_S=3

OM_CLIENT_EXTRA='persist-tun'
OM_HELPER_EXTRA='log_level = 3;
igmp = { version = 3; query_interval = 30; query_response_interval = 1; };'
om_topo_vpn6 1
om_need_tools mcrecv
om_server_start plugin
om_client_start 1
om_client6_wait 1
om_recv_start 1 "$G6"

queries() { grep -c 'mld: sent a v2 general query' "$OM_OUT/server.log" || true; }
queries_ge() { [ "$(queries)" -ge "$1" ]; }
om_wait 15 "the helper's two start-up MLD queries" queries_ge 2
t_q2=$(om_now_us)
# Hosts answer within the query's maximum response time (1 s).
after_answers() { [ "$(om_now_us)" -ge $((t_q2 + 2000000)) ]; }
om_wait 5 "alice's answer to the second query is in" after_answers

mac_before=$(om_if_mac c1 tap0)
inits() { grep -c 'Initialization Sequence Completed' "$OM_OUT/client-alice.log"; }
inits_gt() { [ "$(inits)" -gt "$1" ]; }
n=$(inits)
kill -USR1 "${OM_CLIENT_PID[1]}"
om_wait 20 "alice's OpenVPN reconnected" inits_gt "$n"
t_back=$(om_now_us)
om_assert_eq "$(om_if_mac c1 tap0)" "$mac_before" "alice's tap MAC (persist-tun kept the tap)"
grep -q 'Preserving previous TUN/TAP instance' "$OM_OUT/client-alice.log" ||
	om_fail "alice's OpenVPN did not keep its tap"

left() { grep -q "(alice) left $G6 (disconnect)" "$OM_OUT/server.log"; }
om_wait 10 "the helper ended alice's old instance's membership" left
if ! om_try_wait $((BACK_S * 1000000)) om_helper_has_member 1 "$G6"; then
	om_status_save not-back
	om_fail "alice not listed in $G6 within $BACK_S s of her reconnect"
fi
om_log "ok: alice listed in $G6 again $((($(om_now_us) - t_back) / 1000)) ms after her reconnect"
grep -c "(alice) joined $G6 (report)" "$OM_OUT/server.log" | {
	read -r j
	om_assert_ge "$j" 2 "alice's joins of $G6 in the log (before and after the reconnect)"
}
om_status_save back
