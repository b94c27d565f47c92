#!/bin/bash
# test_plugin_tun_refused - the plugin works with TAP servers only.  On a
# TUN server it must say so plainly in OpenVPN's log, and the failed start
# must leave no helper, no control socket and no nftables table behind.
. "$(dirname "$0")/../lib.sh"

om_need_built
om_topo_vpn 1
om_server_conf plugin
sed -i -e 's/^dev tap0$/dev tun0/' -e 's/^dev-type tap$/dev-type tun/' \
	-e '/^server /a topology subnet' "$OM_OUT/server.conf"
ip netns exec "$(om_ns srv)" openvpn --config "$OM_OUT/server.conf" \
	--log "$OM_OUT/server.log" </dev/null >/dev/null 2>&1 &
OM_SERVER_PID=$!
om_wait 20 "OpenVPN (TUN, with the plugin) exits" om_not_alive "$OM_SERVER_PID"
rc=0
wait "$OM_SERVER_PID" || rc=$?
OM_SERVER_PID=""
[ "$rc" -ne 0 ] || om_fail "OpenVPN exited with status 0 on a TUN server with the plugin"
msg=$(grep -E 'PLUGIN openvpn-mcast:' "$OM_OUT/server.log" | grep -i 'tap' || true)
[ -n "$msg" ] || om_fail "no plugin message about TAP in server.log"
om_log "ok: OpenVPN refused (exit $rc): ${msg#*PLUGIN }"
om_assert_server_left_nothing
