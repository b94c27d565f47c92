#!/bin/bash
# test_mcast_privdrop - per-client delivery and cleanup with OpenVPN run the
# way Debian's openvpn-server@.service runs it: --user nobody --group
# nogroup, LimitNPROC=10, and KillMode=process (only OpenVPN's own pid is
# signalled, here even with SIGKILL, so nothing reaps the helper for us).
# The server uses the shipped sample-config/server.conf excerpt, igmpproxy
# the shipped sample-config/igmpproxy.conf with only its interface names and
# altnet adapted to this network: the samples work as an operator uses them.
#   a) alice (member of G1) gets >= 99 % of G1; bob and carol get nothing;
#   b) after OpenVPN is SIGKILLed, the helper notices on its own, removes
#      its nftables table and control socket, and exits.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=1000 RATE=500

SAMPLES=$OM_ROOT/sample-config
# The excerpt minus its plugin line, which points at this build here.
OM_SERVER_EXTRA=$(grep -vE '^[[:space:]]*([#;]|$|plugin )' "$SAMPLES/server.conf")
om_log "server.conf excerpt in use: $(tr '\n' ' ' <<<"$OM_SERVER_EXTRA")"
# LimitNPROC=10 as the unit sets it: inherited by OpenVPN, binding once it
# is nobody (uid 0 is exempt while the plugin forks the helper).
OM_SERVER_PREFIX="prlimit --nproc=10:10"
om_mcast_setup 3 plugin noigmpproxy
om_assert_eq "$(awk '/^Max processes/ { print $3 }' "/proc/$OM_SERVER_PID/limits")" 10 \
	"NPROC limit of the OpenVPN server"
om_assert_eq "$(ps -o user= -p "$OM_SERVER_PID" | tr -d ' ')" nobody "user of the OpenVPN server"

# Here the upstream is up0, and eth0 carries the VPN itself.  Standalone
# mode (no kernel multicast routing) needs no igmpproxy: the helper was
# started with upstream = "up0".
if [ "$(om_feed)" = igmpproxy ]; then
	sed -e 's/^phyint eth0 upstream/phyint up0 upstream/' \
		-e "s|altnet .*|altnet $OM_SRC_NET|" "$SAMPLES/igmpproxy.conf" >"$OM_OUT/igmpproxy.conf"
	echo "phyint eth0 disabled" >>"$OM_OUT/igmpproxy.conf"
	om_bg igmpproxy srv igmpproxy -d -v "$OM_OUT/igmpproxy.conf"
	om_wait 10 "igmpproxy with the sample config set up its interfaces" om_igmpproxy_ready
fi

om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_recv_stop 1 "$G1"

om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$(om_pct_min "$N" 99)" "alice's app: datagrams of $G1"
om_assert_eq "$(om_cap_routed 2)" 0 "bob's tap: multicast data frames (joined nothing)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (joined nothing)"

# KillMode=process at its harshest: OpenVPN dies without running any plugin
# code. The helper sees its channel close and must clean up by itself.
kill -KILL "$OM_SERVER_PID"
om_wait 5 "OpenVPN server gone after SIGKILL" om_not_alive "$OM_SERVER_PID"
wait "$OM_SERVER_PID" 2>/dev/null || true
OM_SERVER_PID=""
ns_empty() { [ -z "$(ip netns pids "$(om_ns srv)" | grep -v "^${OM_BG_PID[igmpproxy]:-none}\$")" ]; }
om_wait 3 "helper exits once OpenVPN is gone" ns_empty
[ -z "${OM_BG_PID[igmpproxy]:-}" ] || om_bg_stop igmpproxy
om_assert_server_left_nothing
