#!/bin/bash
# test_v6_bpf_takeover - a restarted helper takes the bpf path's IPv6
# address map over without sending a group to the wrong clients.
# The map holds the old helper's keys; the new one hands keys out afresh.
# Here they collide on purpose: alice joins G0 first (the old helper's
# first key) and then G1, and leaves G0 (its key stays interned until the
# periodic sweep). The helper is killed; the new one relearns alice in G1
# only, which now gets the first key, the one the old map gives G0.
#   - the new helper reports the takeover, with the IPv6 addresses;
#   - within the takeover window (before its sweep): the source sends G0
#     and G1: alice gets every frame of G1 and none of G0 (she left it),
#     bob and carol none of either.
. "$(dirname "$0")/../lib.sh"

G0=ff3e::8000:10 G1=ff3e::8000:1 N=300 RATE=250
S1=${OM_V6_SRC[0]}
OM_DATAPATH=bpf
# The takeover sweep comes 2 x the query response interval (10 s) + 1 s
# after the restart. Alice answers the new helper's query to her MAC within
# its 1 s; the startup general query that follows keeps that delay (Linux
# would restart her MLDv2 timer at a 10 s one), so she is back within 3 s.
QRI=10
OM_V6_IGMP="query_response_interval = $QRI;"

om_v6_setup 3
om_assert_eq "$(om_datapath)" bpf "data path in use"
om_recv_start 1 "$G0"
om_recv_start 1 "$G1"
om_recv_leave 1 "$G0" >/dev/null
om_wait 5 "the helper drops alice from $G0" om_helper_lacks_member 1 "$G0"
om_recv_stop 1 "$G0"
om_helper_has_member 1 "$G1" || om_fail "alice is no member of $G1 before the crash"

helper=$(om_helper_pids)
om_assert_eq "$(wc -w <<<"$helper")" 1 "helper processes"
kill -KILL "$helper"
T_KILL=$(om_now_us)
om_log "killed helper pid $helper"
new_helper() { local h; h=$(om_helper_pids); [ -n "$h" ] && [ "$h" != "$helper" ]; }
om_wait 5 "a new helper runs" new_helper
om_wait 5 "the new helper answers on its control socket" om_status_ok
om_wait 3 "the new helper lists alice in $G1" om_helper_has_member 1 "$G1"
om_log "alice is back in $G1 $((($(om_now_us) - T_KILL) / 1000)) ms after the kill"
line=$(grep 'took over from the previous helper' "$OM_OUT/server.log" | tail -n 1)
[ -n "$line" ] || om_fail "the new helper did not take the previous one's maps over (server.log)"
om_log "server.log: $line"
om_assert_eq "$(sed -n 's/.* \([0-9][0-9]*\) IPv6 addresses.*/\1/p' <<<"$line")" 2 "IPv6 addresses taken over ($G0, $G1)"
grep -q 'bpf: takeover complete' "$OM_OUT/server.log" && om_fail "the takeover sweep ran before the bursts"

for i in 1 2 3; do om_cap_start "$i"; done
OM_SEND_FROM=$S1 om_send_start send0 src "$G0" "$N" "$RATE" eth0
OM_SEND_FROM=$S1 om_send_start send1 src "$G1" "$N" "$RATE" eth0
om_send_wait send0
om_send_wait send1
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
grep -q 'bpf: takeover complete' "$OM_OUT/server.log" && om_fail "the takeover sweep ran during the bursts"
om_assert_eq "$(om_v6_from 1 "$G1" "$S1")" "$N" "alice's tap: frames of $G1"
om_assert_eq "$(om_v6_from 1 "$G0" "$S1")" 0 "alice's tap: frames of $G0 (left before the crash)"
for i in 2 3; do
	om_assert_eq "$(om_v6_from "$i" "$G1" "$S1") $(om_v6_from "$i" "$G0" "$S1")" "0 0" \
		"${OM_CLIENT_CN[i]}'s tap: frames of $G1 and $G0 (no member)"
done
om_recv_stop 1 "$G1"
