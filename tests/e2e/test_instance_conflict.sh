#!/bin/bash
# test_instance_conflict - the per-instance settings are settled at the
# tap's UP; a conflict found then is reported, not papered over:
#   with the shipped sample config (nft_table "openvpn_mcast_%i") on the
#   nflog path, and a foreign table netdev openvpn_mcast_tap0 already there,
#   a) the helper logs the conflict with the table's name and the key to set,
#      into OpenVPN's log, and exits; it creates no control socket;
#   b) the foreign table is left as it was, and OpenVPN keeps serving
#      (without the plugin's delivery: it floods, as without the plugin).
. "$(dirname "$0")/../lib.sh"

RUNDIR=$OM_RUN/run
om_topo_vpn 1
om_need_built

om_nsx srv nft add table netdev openvpn_mcast_tap0
om_nsx srv nft add chain netdev openvpn_mcast_tap0 foreign
sed -e "s|^helper = .*|helper = \"$OM_HELPER\";|" \
	-e "s|/run/openvpn-mcast/|$RUNDIR/|g" \
	-e 's|^datapath = .*|datapath = "nflog";|' \
	"$OM_ROOT/sample-config/openvpn-mcast.conf" >"$OM_OUT/openvpn-mcast.conf"
OM_SERVER_EXTRA=""
om_server_conf noplugin
echo "plugin $OM_PLUGIN $OM_OUT/openvpn-mcast.conf" >>"$OM_OUT/server.conf"
ip netns exec "$(om_ns srv)" openvpn --config "$OM_OUT/server.conf" --log "$OM_OUT/server.log" \
	</dev/null >/dev/null 2>&1 &
OM_SERVER_PID=$!
om_wait 20 "OpenVPN server initialised (server.log)" om_server_ready

conflict_logged() {
	grep -q 'openvpn-mcast-helper: .*openvpn_mcast_tap0.*set another nft_table' "$OM_OUT/server.log"
}
om_wait 10 "the helper reports the table in use" conflict_logged
om_log "logged: $(grep -o 'openvpn-mcast-helper: .*set another nft_table.*' "$OM_OUT/server.log" | head -n 1)"
hpid=$(sed -n 's/.*PLUGIN openvpn-mcast: helper .* running as pid \([0-9]*\).*/\1/p' "$OM_OUT/server.log" | head -n 1)
[ -n "$hpid" ] || om_fail "no helper pid in server.log"
om_wait 10 "the helper (pid $hpid) exits" om_not_alive "$hpid"
[ ! -e "$RUNDIR/tap0.sock" ] || om_fail "a control socket was created"
table=$(om_nsx srv nft list table netdev openvpn_mcast_tap0)
grep -q 'chain foreign' <<<"$table" || om_fail "the foreign table was changed: $table"
om_log "ok: the foreign table is untouched"

om_client_start 1
om_alive "$OM_SERVER_PID" || om_fail "OpenVPN exited"
om_log "ok: OpenVPN serves alice without the helper"
