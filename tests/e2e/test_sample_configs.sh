#!/bin/bash
# test_sample_configs - the shipped samples work as an operator would use
# them: the server.conf excerpt (tap0, user nobody, persist-tun) added to a
# TAP server, and sample-config/igmpproxy.conf with only its interface names
# and altnet adapted to this test network. alice joins G1 and gets it;
# bob, who joined nothing, gets no routed multicast.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=500 RATE=500
SAMPLES=$OM_ROOT/sample-config

# The excerpt minus its plugin line: the test's plugin line points at this
# build and the test's helper config.
OM_SERVER_EXTRA=$(grep -vE '^[[:space:]]*([#;]|$|plugin )' "$SAMPLES/server.conf")
om_log "server.conf excerpt in use: $(tr '\n' ' ' <<<"$OM_SERVER_EXTRA")"
om_mcast_setup 2 plugin noigmpproxy
om_assert_eq "$(ps -o user= -p "$OM_SERVER_PID" | tr -d ' ')" nobody "user of the OpenVPN server"

# Here the upstream is up0 and eth0 carries the VPN itself.
sed -e 's/^phyint eth0 upstream/phyint up0 upstream/' \
	-e "s|altnet .*|altnet $OM_SRC_NET|" "$SAMPLES/igmpproxy.conf" >"$OM_OUT/igmpproxy.conf"
echo "phyint eth0 disabled" >>"$OM_OUT/igmpproxy.conf"
om_bg igmpproxy srv igmpproxy -d -v "$OM_OUT/igmpproxy.conf"
om_wait 10 "igmpproxy with the sample config set up its interfaces" om_igmpproxy_ready

om_recv_start 1 "$G1"
om_wait 10 "igmpproxy joined $G1 upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_recv_stop 1 "$G1"
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$(om_pct_min "$N" 99)" "alice's app: datagrams of $G1"
om_assert_eq "$(om_cap_routed 2)" 0 "bob's tap: multicast data frames (joined nothing)"
