#!/bin/bash
# test_helper_sigterm - an operator stops the helper on purpose (SIGTERM):
# it removes its nftables table, control socket and status file and exits;
# OpenVPN keeps serving its clients, and the plugin logs that the helper is
# gone at the next client event.
# Also: with status_file set, the helper keeps a status file that lists the
# clients, rewritten every status_interval seconds.
. "$(dirname "$0")/../lib.sh"

OM_HELPER_EXTRA="status_file = \"$OM_RUN/mcast-status.csv\";
status_interval = 1;"
om_topo_vpn 2
om_server_start plugin
for i in 1 2; do om_client_start "$i"; done

status_file_lists() { grep -q "^CLIENT,[0-9]*,$1," "$OM_RUN/mcast-status.csv" 2>/dev/null; }
for i in 1 2; do
	om_wait 3 "status file lists ${OM_CLIENT_CN[i]}" status_file_lists "${OM_CLIENT_CN[i]}"
done
tail -n 1 "$OM_RUN/mcast-status.csv" | grep -qx END || om_fail "status file does not end with END"
om_log "ok: status file lists both clients and ends with END"

helper=$(om_helper_pids)
[ -n "$helper" ] || om_fail "no helper process in the server namespace"
om_dp_installed || om_fail "helper's data path (table or tc filter) missing before the test"
kill -TERM "$helper"
om_wait 3 "helper exits after SIGTERM" om_not_alive "$helper"
om_wait 3 "helper removed its data path (table or tc filter)" eval '! om_dp_installed'
[ ! -e "$OM_CTL_SOCK" ] || om_fail "control socket left behind after SIGTERM"
[ ! -e "$OM_RUN/mcast-status.csv" ] || om_fail "stale status file left behind after SIGTERM"
om_log "ok: table, control socket and status file removed"
grep -q "openvpn-mcast-helper: shutting down" "$OM_OUT/server.log" ||
	om_fail "helper did not log its shutdown"

om_alive "$OM_SERVER_PID" || om_fail "OpenVPN died with its helper"
om_client_stop 2 TERM
gone_logged() { grep -q 'PLUGIN openvpn-mcast: helper is gone' "$OM_OUT/server.log"; }
om_wait 10 "plugin logs that the helper is gone" gone_logged
om_nsx c1 ip neigh flush dev tap0
om_client_poke 1
om_log "ok: OpenVPN still serves alice"
om_server_stop
