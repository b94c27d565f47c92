#!/bin/bash
# test_mcast_reconnect_persist - a client whose OpenVPN reconnects with
# persist-tun (the usual client setting: network change, ping-restart) keeps
# its tap and its joined sockets, so its kernel sends no new report.  The
# server side sees a new client instance without memberships.  Without the
# plugin, OpenVPN's flooding resumes the stream as soon as the tunnel is
# back; with the plugin the stream must also resume promptly, here within
# 5 s of the reconnect, not only at the helper's next general query.
# smcroute (standalone mode: the helper's upstream join) keeps G1 flowing;
# the helper is the only querier, with
# query_interval 60 s and query_response_interval 1 s.  The reconnect
# happens after its two start-up queries and after the 1 s in which the
# clients answer a query, so no report is due and the next scheduled query
# is about a minute away.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 RATE=200 N=8000 RESUME_S=5

OM_CLIENT_EXTRA='persist-tun'
OM_HELPER_EXTRA='log_level = 3;
igmp = { query_interval = 60; query_response_interval = 1; };'
om_mcast_setup 2 plugin noigmpproxy
om_static_feed_start "$G1"
om_recv_start 1 "$G1"
om_cap_start 1
om_send_start send1 src "$G1" "$N" "$RATE" eth0
om_wait 10 "alice's tap has 100 frames of $G1" om_cap_frames_ge 1 "$G1" 100

queries() { grep -c 'sent a v[0-9] general query' "$OM_OUT/server.log" || true; }
queries_ge() { [ "$(queries)" -ge "$1" ]; }
om_wait 40 "the helper's two start-up general queries" queries_ge 2
t_q2=$(om_now_us)
om_log "helper sent its start-up queries"
# Hosts answer within the query's maximum response time (1 s).
after_answers() { [ "$(om_now_us)" -ge $((t_q2 + 2000000)) ]; }
om_wait 5 "the clients' answers to the second query are in" after_answers

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

frames=$(om_cap_frames_now 1 "$G1")
if ! om_try_wait $((RESUME_S * 1000000)) om_cap_frames_ge 1 "$G1" $((frames + 20)); then
	om_status_save not-resumed
	om_fail "alice's stream of $G1 did not resume within $RESUME_S s of her reconnect (general queries so far: $(queries))"
fi
om_log "ok: alice's stream resumed $((($(om_now_us) - t_back) / 1000)) ms after her reconnect"
om_status_save resumed
