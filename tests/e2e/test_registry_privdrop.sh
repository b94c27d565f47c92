#!/bin/bash
# test_registry_privdrop - the server as the sample config runs it: OpenVPN
# drops to user nobody / group nogroup (with persist-tun, as usual then).
# The helper was forked while OpenVPN was root and must keep working:
#   a) both clients are listed with name, pool address and MAC;
#   b) stopping the server - the plugin now runs as nobody and can no
#      longer signal a root helper - still leaves no helper process, no
#      control socket and no nftables table behind.
. "$(dirname "$0")/../lib.sh"

om_need_built
id nobody >/dev/null 2>&1 || om_fail "user nobody does not exist"
getent group nogroup >/dev/null || om_fail "group nogroup does not exist"

OM_SERVER_EXTRA='user nobody
group nogroup
persist-tun
persist-key'
om_topo_vpn 2
om_server_start plugin
for i in 1 2; do om_client_start "$i"; done

# OpenVPN really runs as nobody now.
user=$(ps -o user= -p "$OM_SERVER_PID" | tr -d ' ')
om_assert_eq "$user" nobody "user of the OpenVPN server process"

listed_with_mac() { # I
	local mac
	mac=$(om_status_field "${OM_CLIENT_CN[$1]}" 6 2>/dev/null) || return 1
	[ "$mac" = "$(om_if_mac "c$1" tap0)" ]
}
for i in 1 2; do
	om_wait 5 "status lists ${OM_CLIENT_CN[i]} with the MAC of its tap" listed_with_mac "$i"
	om_assert_eq "$(om_status_field "${OM_CLIENT_CN[i]}" 5)" "$(om_if_ipv4 "c$i" tap0)" \
		"${OM_CLIENT_CN[i]}: virtual address"
done
om_status_save running

om_server_stop
om_assert_server_left_nothing
