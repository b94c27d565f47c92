#!/bin/bash
# test_vpn_baseline - the test harness itself: an OpenVPN 2.6 TAP server
# WITHOUT the plugin and three clients in their own namespaces connect, get
# distinct pool addresses, and reach the server over the tunnel.  If this
# fails, every other e2e test would fail for reasons unrelated to the code.
. "$(dirname "$0")/../lib.sh"

om_topo_vpn 3
om_server_start noplugin
for i in 1 2 3; do
	om_client_start "$i"
done

declare -A seen=()
for i in 1 2 3; do
	ip=$(om_if_ipv4 "c$i" tap0)
	case "$ip" in 10.8.0.*) ;; *) om_fail "client c$i: tap0 address '$ip' not from the pool" ;; esac
	[ -z "${seen[$ip]:-}" ] || om_fail "pool address $ip given twice"
	seen[$ip]=1
	om_log "ok: ${OM_CLIENT_CN[i]} has pool address $ip"
done

# The server's own status file lists all three by common name.
om_server_lists_all() {
	local i
	for i in 1 2 3; do
		grep -q "^CLIENT_LIST,${OM_CLIENT_CN[i]}," "$OM_OUT/openvpn-status.txt" 2>/dev/null || return 1
	done
}
om_wait 5 "server status file lists all clients" om_server_lists_all
