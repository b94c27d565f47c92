#!/bin/bash
# test_helper_crash_loop - a helper that keeps crashing is not restarted
# forever.  With restart = { crashes = 3; window = 60; } the helper is
# killed (SIGKILL) three times, each time after its supervisor restarted it.
# OpenVPN runs as Debian's unit runs it (--user nobody --group nogroup,
# LimitNPROC=10): the restarts need no privilege OpenVPN still has.
#   - after kills 1 and 2 a new helper runs; after kill 3 none, and the
#     supervisor says so in OpenVPN's log at once (its own line), and in the
#     management interface (a PLUGIN line, at the plugin's next event);
#   - the data path stays: no client that is no member gets group traffic
#     (alice, the member, watches G1; bob and carol get nothing);
#   - a client that connects now is logged with policy=none(helper-down);
#   - when OpenVPN stops, the supervisor removes what the dead helper left
#     in the kernel (OpenVPN itself is no longer root) and nothing remains.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=400 RATE=400 MPORT=7505

OM_HELPER_EXTRA="restart = { crashes = 3; window = 60; };"
OM_SERVER_EXTRA="management 127.0.0.1 $MPORT
user nobody
group nogroup"
OM_SERVER_PREFIX="prlimit --nproc=10:10"
om_mcast_setup 3 plugin
om_assert_eq "$(ps -o user= -p "$OM_SERVER_PID" | tr -d ' ')" nobody "user of the OpenVPN server"
om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"

sup=$(om_supervisor_pids)
om_assert_eq "$(wc -w <<<"$sup")" 1 "supervisor processes"
for k in 1 2 3; do
	helper=$(om_helper_pids)
	om_assert_eq "$(wc -w <<<"$helper")" 1 "helper processes before kill $k"
	kill -KILL "$helper"
	om_log "kill $k: helper pid $helper"
	om_wait 5 "helper $helper gone" om_not_alive "$helper"
	if [ "$k" -lt 3 ]; then
		new_helper() { local h; h=$(om_helper_pids); [ -n "$h" ] && [ "$h" != "$helper" ]; }
		om_wait 5 "a new helper after kill $k" new_helper
		om_wait 5 "the new helper answers" om_status_ok
	fi
done
down_logged() { grep -q 'openvpn-mcast-supervisor: .*helper was killed by signal 9; it crashed 3 times within 60 s and stays down' "$OM_OUT/server.log"; }
om_wait 5 "the supervisor logs that the helper stays down" down_logged
# Longer than the largest back-off (400 ms after the second crash).
sleep 2
om_assert_eq "$(om_helper_pids | wc -w)" 0 "helper processes 2 s after the third crash"
om_assert_eq "$(om_supervisor_pids)" "$sup" "supervisor still there"
om_dp_installed || om_fail "the data path went away with the helper (it must stay: no flood)"

om_mcast_burst "$N" "$RATE" "$G1"
for i in 2 3; do
	om_assert_eq "$(om_cap_routed "$i")" 0 "${OM_CLIENT_CN[i]}'s tap: multicast data frames with the helper down"
done
if [ "$(om_datapath)" = bpf ]; then
	# The tc program goes on copying to the members of the last moment.
	om_assert_ge "$(om_cap_count 1 "$G1")" "$(om_pct_min "$N" 99)" "alice's tap: frames of $G1 (bpf path, helper down)"
fi

# The plugin writes the supervisor's message at its next event: carol
# reconnects.
om_client_stop 3 TERM
om_client_start 3
mgmt_log_all() {
	om_nsx srv timeout 5 bash -c '
		exec 3<>/dev/tcp/127.0.0.1/'"$MPORT"' || exit 1
		printf "log all\n" >&3
		while IFS= read -r l <&3; do
			printf "%s\n" "${l%$'"'\\r'"'}"
			[ "${l%$'"'\\r'"'}" = END ] && break
		done
		printf "quit\n" >&3'
}
mgmt_log_all >"$OM_OUT/mgmt-log-all.txt"
grep -q 'PLUGIN openvpn-mcast: helper was killed by signal 9; it crashed 3 times within 60 s and stays down' \
	"$OM_OUT/mgmt-log-all.txt" || om_fail "management log lacks the plugin's stays-down line (see mgmt-log-all.txt)"
om_log "ok: management interface: $(grep -m1 'stays down' "$OM_OUT/mgmt-log-all.txt")"
grep -q 'PLUGIN openvpn-mcast: event=connect .* cn=carol .* policy=none(helper-down)' "$OM_OUT/mgmt-log-all.txt" ||
	om_fail "carol's new connect line does not say policy=none(helper-down)"
om_log "ok: carol's connect line says policy=none(helper-down)"

om_server_stop
grep -q 'openvpn-mcast-supervisor: removed what the dead helper left in the kernel' "$OM_OUT/server.log" ||
	om_fail "the supervisor did not clean up after the dead helper (see server.log)"
om_assert_server_left_nothing
