#!/bin/bash
# test_mcast_smcroute6 - IPv6 behind a multicast router: smcroute's static
# IPv6 route (kernel IPv6 multicast routing, CONFIG_IPV6_MROUTE) forwards G
# from up0 into tap0 whoever joined, as a router does. OpenVPN with
# server-ipv6; the helper, MLD querier on the tap, still delivers per
# client: alice (MLDv2 member) gets >= 99 % of G at her tap and socket;
# bob and carol, no members, get not one frame of G;
# after alice leaves, the next burst reaches nobody.
. "$(dirname "$0")/../lib.sh"
om_need_mroute "smcroute's IPv6 route is the subject (CONFIG_IPV6_MROUTE)"

G=ff3e::8000:1 S1=${OM_V6_SRC[0]} N=1000 RATE=500

# As om_v6_setup, but the router feeds the tap: no upstream key.
OM_FEED=smcroute
OM_SERVER_EXTRA="server-ipv6 $OM_VPN6_NET"
OM_HELPER_EXTRA="igmp = { version = 3; };"
om_topo_mcast 3
for ns in srv src c1 c2 c3; do om_v6_on "$ns"; done
ip -n "$(om_ns src)" -6 addr add "$S1/64" dev eth0 nodad
ip -n "$(om_ns srv)" -6 addr add 2001:db8:99::1/64 dev up0 nodad
om_nsx srv sysctl -qw net.ipv6.conf.all.forwarding=1
om_server_start plugin
for i in 1 2 3; do om_client_start "$i"; done
for i in 1 2 3; do om_client6_wait "$i"; done

echo "mroute from up0 group $G to tap0" >"$OM_OUT/smcroute.conf"
om_bg smcroute srv smcrouted -n -f "$OM_OUT/smcroute.conf" -l debug \
	-u "$OM_RUN/smcroute.sock" -P "$OM_RUN/smcroute.pid"
smcroute6_ready() {
	om_alive "${OM_BG_PID[smcroute]}" || return 99
	om_nsx srv grep -q ' tap0 ' /proc/net/ip6_mr_vif
}
om_wait 10 "smcrouted has tap0 as an IPv6 multicast interface" smcroute6_ready

burst() { # NAME
	local i
	for i in 1 2 3; do om_cap_start "$i"; done
	OM_SEND_FROM=$S1 om_send_start "send-$1" src "$G" "$N" "$RATE" eth0
	om_send_wait "send-$1"
	om_wait_quiet
	for i in 1 2 3; do
		om_cap_stop "$i"
		mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.$1.log"
	done
}
got() { # I BURST
	om_v6_from "$1" "$G" "$S1" "$OM_OUT/frames-c$1.$2.log"
}

om_recv_start 1 "$G"
om_wait 5 "the helper lists alice in $G" om_helper_has_member 1 "$G"
burst joined
om_nsx srv smcroutectl -u "$OM_RUN/smcroute.sock" show routes >"$OM_OUT/smcroute-routes.txt" 2>&1 || true
om_nsx srv cat /proc/net/ip6_mr_cache >"$OM_OUT/ip6_mr_cache.txt" 2>&1 || true
om_assert_ge "$(got 1 joined)" "$(om_pct_min "$N" 99)" "alice's tap: frames of $G"
om_assert_eq "$(got 2 joined)" 0 "bob's tap: frames of $G (no member)"
om_assert_eq "$(got 3 joined)" 0 "carol's tap: frames of $G (no member)"

om_recv_leave 1 "$G" >/dev/null
om_wait 5 "the helper drops alice from $G" om_helper_lacks_member 1 "$G"
om_recv_stop 1 "$G"
om_assert_ge "$(om_recv_val 1 "$G" unique)" "$(om_pct_min "$N" 99)" "alice's app: datagrams of $G"
burst left
for i in 1 2 3; do
	om_assert_eq "$(got "$i" left)" 0 "${OM_CLIENT_CN[i]}'s tap: frames of $G after alice left"
done
