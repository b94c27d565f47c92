#!/bin/bash
# test_plugin_c2c_warning - with client-to-client, OpenVPN relays multicast
# from one client to the others itself, past the tap and the helper.  The
# plugin must say so in OpenVPN's log; without client-to-client it must not.
. "$(dirname "$0")/../lib.sh"

om_need_built
om_topo_vpn 1

# plugin_c2c_lines - lines the plugin or helper wrote that mention
# client-to-client (OpenVPN's own option dump at verb 4 does not count).
plugin_c2c_lines() {
	grep -E '(PLUGIN openvpn-mcast|openvpn-mcast-helper):' "$OM_OUT/server.log" |
		grep -ci 'client-to-client' || true
}

om_server_start plugin
om_client_start 1
om_assert_eq "$(plugin_c2c_lines)" 0 "plugin lines about client-to-client without it"
om_client_stop 1
om_server_stop
mv "$OM_OUT/server.log" "$OM_OUT/server.no-c2c.log"
mv "$OM_OUT/client-alice.log" "$OM_OUT/client-alice.no-c2c.log"

OM_SERVER_EXTRA='client-to-client'
om_server_start plugin
om_client_start 1
om_assert_ge "$(plugin_c2c_lines)" 1 "plugin lines warning about client-to-client"
grep -E '(PLUGIN openvpn-mcast|openvpn-mcast-helper):' "$OM_OUT/server.log" | grep -i 'client-to-client' >&2
