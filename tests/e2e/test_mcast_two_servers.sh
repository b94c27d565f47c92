#!/bin/bash
# test_mcast_two_servers - two OpenVPN TAP servers on one machine, each with
# the plugin and its own helper (own tap, nftables table, nflog group and
# control socket, as openvpn-mcast.conf(5) shows for a second instance).
#   server A on tap0: alice (joins G1) and bob (joins nothing);
#   server B on tap1: carol (joins G1).
# smcroute routes G1 from up0 into both taps.  In standalone mode (no
# kernel multicast routing) each helper has its own upstream instead: A on
# up0, B on up1, a second veth to the source, which sends G1 on both.
#   a) each helper lists only its own clients;
#   b) alice and carol get >= 99 % of G1, bob nothing;
#   c) stopping server B removes its helper, socket and data path, and leaves
#      server A delivering to alice.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=500 RATE=500
CTL_A=$OM_CTL_SOCK
CTL_B="$OM_RUN/ctl-b.sock"

om_topo_mcast 3
if [ "$(om_feed)" = standalone ]; then
	om_veth src eth1 srv up1
	om_addr src eth1 10.98.0.2/24
	om_addr srv up1 10.98.0.1/24
fi
om_server_start plugin

# Server B: server A's configuration with its own tap, port, pool, helper
# configuration and logs.
sed -e "s|^control_socket = .*|control_socket = \"$CTL_B\";|" \
	-e 's|^nft_table = .*|nft_table = "openvpn_mcast_b";|' \
	-e 's|^nflog_group = .*|nflog_group = 1195;|' \
	-e 's|^upstream = .*|upstream = "up1";|' \
	"$OM_OUT/helper.conf" >"$OM_OUT/helper-b.conf"
sed -e 's|^dev tap0$|dev tap1|' -e 's|^port 1194$|port 1195|' \
	-e 's|^server 10.8.0.0 |server 10.9.0.0 |' \
	-e "s|openvpn-status.txt|openvpn-status-b.txt|" \
	-e "s|$OM_OUT/helper.conf|$OM_OUT/helper-b.conf|" \
	"$OM_OUT/server.conf" >"$OM_OUT/server-b.conf"
ip netns exec "$(om_ns srv)" openvpn --config "$OM_OUT/server-b.conf" \
	--log "$OM_OUT/server-b.log" </dev/null >/dev/null 2>&1 &
SERVER_B=$!
server_b_ready() {
	om_alive "$SERVER_B" || return 99
	grep -q 'Initialization Sequence Completed' "$OM_OUT/server-b.log" 2>/dev/null &&
		"$OM_HELPER" status -s "$CTL_B" --csv 2>/dev/null | grep -qx END
}
om_wait 20 "server B up with its helper (server-b.log)" server_b_ready

om_client_start 1
om_client_start 2
# carol talks to server B.
OM_VPN_PORT=1195 OM_SERVER_VPN=10.9.0.1
om_client_start 3
OM_VPN_PORT=1194 OM_SERVER_VPN=10.8.0.1

# --- a) each helper lists its own clients ------------------------------------------
clients_of() { # SOCKET
	"$OM_HELPER" status -s "$1" --csv | awk -F, '$1 == "CLIENT" { print $3 }' | sort | tr '\n' ' '
}
om_assert_eq "$(clients_of "$CTL_A")" "alice bob " "clients of helper A"
om_assert_eq "$(clients_of "$CTL_B")" "carol " "clients of helper B"
# dp_of TAP TABLE - the data path of the helper on TAP is installed: its
# nftables table TABLE (nflog) or its tc filter on TAP's egress (bpf).
dp_of() {
	if [ "$(om_datapath)" = bpf ]; then
		om_tc_filter_present "$1" egress
	else
		om_nsx srv nft list table netdev "$2" >/dev/null 2>&1
	fi
}
dp_of tap0 openvpn_mcast || om_fail "server A's data path ($(om_datapath)) missing on tap0"
dp_of tap1 openvpn_mcast_b || om_fail "server B's data path ($(om_datapath)) missing on tap1"
om_log "ok: both data paths present ($(om_datapath))"

# --- b) delivery --------------------------------------------------------------------
# burst [I...] - the source sends G1: on eth0 (up0), and in standalone mode
# on eth1 (up1) too; frames are counted on the taps of clients I (default:
# all).  Once server B is gone carol's client restarts at its ping-restart
# timeout, taking her tap away: the burst after that leaves her out.
burst() {
	local i clients=${*:-1 2 3}
	for i in $clients; do om_cap_start "$i"; done
	om_send_start send-up0 src "$G1" "$N" "$RATE" eth0
	[ "$(om_feed)" != standalone ] || om_send_start send-up1 src "$G1" "$N" "$RATE" eth1
	om_send_wait send-up0
	[ "$(om_feed)" != standalone ] || om_send_wait send-up1
	om_wait_quiet
	for i in $clients; do om_cap_stop "$i"; done
}

if [ "$(om_feed)" != standalone ]; then
{
	echo "# written by $OM_TEST"
	echo "mroute from up0 group $G1 to tap0 tap1"
} >"$OM_OUT/smcroute.conf"
om_bg smcroute srv smcrouted -n -f "$OM_OUT/smcroute.conf" -l debug \
	-u "$OM_RUN/smcroute.sock" -P "$OM_RUN/smcroute.pid"
smcroute_ready() {
	om_alive "${OM_BG_PID[smcroute]}" || return 99
	om_nsx srv smcroutectl -u "$OM_RUN/smcroute.sock" show routes >/dev/null 2>&1 &&
		om_nsx srv grep -q ' tap1 ' /proc/net/ip_mr_vif
}
om_wait 10 "smcrouted running (smcroute.err)" smcroute_ready
fi

om_recv_start 1 "$G1"
OM_CTL_SOCK=$CTL_B
om_recv_start 3 "$G1"
OM_CTL_SOCK=$CTL_A
burst
min=$(om_pct_min "$N" 99)
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap (server A): frames of $G1"
om_assert_ge "$(om_cap_count 3 "$G1")" "$min" "carol's tap (server B): frames of $G1"
om_assert_eq "$(om_cap_routed 2)" 0 "bob's tap (server A): multicast data frames"
for i in 1 2 3; do
	mv "$OM_OUT/cap-c$i.out" "$OM_OUT/cap-c$i.both.out"
	mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.both.log"
done

# --- c) stop server B -----------------------------------------------------------------
kill -TERM "$SERVER_B"
om_wait 20 "server B exits" om_not_alive "$SERVER_B"
wait "$SERVER_B" 2>/dev/null || true
[ ! -e "$CTL_B" ] || om_fail "server B's control socket left behind"
if om_nsx srv nft list table netdev openvpn_mcast_b >/dev/null 2>&1; then
	om_fail "server B's nftables table left behind"
fi
! om_tc_filter_present up1 ingress || om_fail "server B's tc filter left on up1"
dp_of tap0 openvpn_mcast || om_fail "server A's data path went away with server B"
n_helpers=$(om_helper_pids | wc -l)
om_assert_eq "$n_helpers" 1 "helper processes left (server A's)"

burst 1 2
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1 after server B stopped"
om_assert_eq "$(om_cap_routed 2)" 0 "bob's tap: multicast data frames after server B stopped"
om_recv_stop 1 "$G1"
