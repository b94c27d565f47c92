#!/bin/bash
# test_status_file - the helper's other two status outputs:
#   a) the control socket may live in a directory that does not exist yet
#      (as /run/openvpn-mcast/ after a reboot): the helper creates it;
#   b) status_file is rewritten every status_interval seconds with the same
#      CSV as the control socket: both clients listed, and a client that
#      disconnects is gone from the file within status_interval + 1 s of
#      leaving the control socket's status.
. "$(dirname "$0")/../lib.sh"

om_need_built
OM_CTL_SOCK="$OM_RUN/openvpn-mcast/ctl.sock"
STATUS_FILE="$OM_OUT/mcast-status.csv"
OM_HELPER_EXTRA="status_file = \"$STATUS_FILE\";
status_interval = 1;"

om_topo_vpn 2
om_server_start plugin
om_log "ok: control socket created in a new directory: $OM_CTL_SOCK"
for i in 1 2; do om_client_start "$i"; done

# file_lists CN MAC - the status file is complete and lists CN with MAC.
file_lists() {
	local st
	st=$(cat "$STATUS_FILE" 2>/dev/null) || return 1
	grep -qx 'END' <<<"$st" && grep -q '^TITLE,openvpn-mcast ' <<<"$st" &&
		awk -F, -v cn="$1" -v m="$2" '$1 == "CLIENT" && $3 == cn && $6 == m { f = 1 } END { exit !f }' <<<"$st"
}
file_lacks() {
	local st
	st=$(cat "$STATUS_FILE" 2>/dev/null) || return 1
	grep -qx 'END' <<<"$st" && ! awk -F, -v cn="$1" '$1 == "CLIENT" && $3 == cn { f = 1 } END { exit !f }' <<<"$st"
}
for i in 1 2; do
	om_wait 3 "status file lists ${OM_CLIENT_CN[i]} with its MAC" file_lists "${OM_CLIENT_CN[i]}" "$(om_if_mac "c$i" tap0)"
done
# Same columns as the control socket's status.
om_assert_eq "$(grep '^HEADER,CLIENT,' "$STATUS_FILE")" "$(om_status | grep '^HEADER,CLIENT,')" "status file: CLIENT header"
cp "$STATUS_FILE" "$OM_OUT/status-file-connected.csv"

om_client_stop 2 TERM
om_wait 10 "bob gone from the control socket's status" om_status_lacks_client bob
om_wait 2 "bob gone from the status file too" file_lacks bob
file_lists alice "$(om_if_mac c1 tap0)" || om_fail "alice vanished from the status file"
om_log "ok: status file follows the disconnect"
