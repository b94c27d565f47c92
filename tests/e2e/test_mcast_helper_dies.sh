#!/bin/bash
# test_mcast_helper_dies - what happens when the helper dies (SIGKILL: no
# cleanup of its own) together with its supervisor, so that nothing restarts
# it (a helper killed alone is restarted: test_helper_restart; one that
# keeps crashing stays down: test_helper_crash_loop).  Decided behaviour
# (plugin.c, helper_lost()): its data path stays.  On the nflog path that is the nftables diversion, so
# clients get no routed multicast rather than all of it, until OpenVPN
# restarts; on the bpf path the tc programs and their maps go on copying
# to the members of that moment.
#   1) helper alive: alice (member of G1) gets G1, carol gets nothing;
#   2) helper killed: status queries fail, OpenVPN and its clients stay up,
#      no client that is no member gets routed multicast (no flooding), and
#      on the bpf path alice still gets G1;
#   3) OpenVPN restarts (SIGHUP: the plugin, which lost its supervisor,
#      removes the dead helper's leftovers with `openvpn-mcast-helper
#      cleanup` and is opened again; igmpproxy, if it feeds the tap, is
#      restarted for the new tap0): a new helper runs, alice gets G1 again,
#      carol still nothing.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=500 RATE=500

# The server tells its clients about the restart so they reconnect at once.
OM_SERVER_EXTRA='explicit-exit-notify 1'
om_mcast_setup 3 plugin
min=$(om_pct_min "$N" 99)

# keep_burst NAME - keep this burst's capture files under another name.
keep_burst() {
	local i
	for i in 1 2 3; do
		mv "$OM_OUT/cap-c$i.out" "$OM_OUT/cap-c$i.$1.out"
		mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.$1.log"
	done
}

# --- 1) helper alive ----------------------------------------------------------
om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1 (helper alive)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (helper alive)"
keep_burst alive

# --- 2) helper killed -----------------------------------------------------------
helper=$(om_helper_pids)
sup=$(om_supervisor_pids)
om_assert_eq "$(wc -w <<<"$helper")" 1 "helper processes"
om_assert_eq "$(wc -w <<<"$sup")" 1 "supervisor processes"
# The supervisor stopped first: it must not restart the helper in between.
kill -STOP "$sup"
kill -KILL "$helper"
kill -KILL "$sup"
om_log "killed helper pid $helper and its supervisor pid $sup"
om_wait 5 "helper process gone" om_not_alive "$helper"
om_wait 5 "supervisor process gone" om_not_alive "$sup"
# The plugin only runs on OpenVPN's events and cannot notice at once; the
# operator's status query fails, though.
if om_status >/dev/null 2>&1; then
	om_fail "status still answers with the helper dead"
fi
om_alive "$OM_SERVER_PID" || om_fail "OpenVPN server died with its helper"
om_dp_installed || om_fail "the data path went away with the helper (decided: it stays)"
om_mcast_burst "$N" "$RATE" "$G1"
first=1
if [ "$(om_datapath)" = bpf ]; then
	om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1 with the helper dead (bpf path)"
	first=2
fi
for ((i = first; i <= 3; i++)); do
	om_assert_eq "$(om_cap_routed "$i")" 0 "${OM_CLIENT_CN[i]}'s tap: multicast data frames with the helper dead"
done
keep_burst dead
om_alive "$OM_SERVER_PID" || om_fail "OpenVPN server died"
for i in 1 2 3; do
	ip -n "$(om_ns "c$i")" neigh flush dev tap0
	om_client_poke "$i"
done
om_log "ok: all clients still reach the server"

# --- 3) OpenVPN restarts ------------------------------------------------------
inits() { grep -c 'Initialization Sequence Completed' "$OM_OUT/$1.log"; }
inits_ge() { [ "$(inits "$1")" -ge "$2" ]; }
s=$(inits server)
declare -a c=()
for i in 1 2 3; do c[i]=$(inits "client-${OM_CLIENT_CN[i]}"); done
kill -HUP "$OM_SERVER_PID"
om_wait 20 "server re-initialised after SIGHUP" inits_ge server $((s + 1))
for i in 1 2 3; do
	om_wait 30 "${OM_CLIENT_CN[i]} reconnected" inits_ge "client-${OM_CLIENT_CN[i]}" $((c[i] + 1))
	om_client_poke "$i"
done
om_wait_status
om_assert_eq "$(om_helper_pids | wc -w)" 1 "helper processes after the restart"
grep -q 'PLUGIN openvpn-mcast: removed what the dead helper left in the kernel' "$OM_OUT/server.log" ||
	om_fail "the plugin did not clean up after its lost helper at the restart (see server.log)"
# A hard restart recreates tap0; igmpproxy keeps its old multicast
# interface for it and would route nothing into the new one, so the
# operator restarts igmpproxy too.  (Standalone: the new helper joins.)
if [ "$(om_feed)" = igmpproxy ]; then
	om_bg_stop igmpproxy
	mv "$OM_OUT/igmpproxy.err" "$OM_OUT/igmpproxy.before-restart.err"
	om_feed_start
fi
# alice's tap was recreated with her reconnect: join again on the new one.
om_recv_stop 1 "$G1"
om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_status_save restarted
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1 after the restart"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames after the restart"
om_recv_stop 1 "$G1"
