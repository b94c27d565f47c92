#!/bin/bash
# test_mcast_igmpv3 - clients that speak IGMPv3 join and leave.
# net.ipv4.conf.tap0.force_igmp_version=3 alone does not keep a Linux host
# on v3: like the default it falls back to v2 once it hears a v2 query
# (Documentation/networking/ip-sysctl.rst).  igmpproxy only sends v2
# queries, so this test routes with smcroute static routes instead and sets
# the helper's own queries to v3; /proc/net/igmp proves the clients stayed
# on v3.  alice joins G1 any-source (v3 EXCLUDE {}), bob joins G2
# source-specific (v3 INCLUDE {source}).  Each gets its group only; after
# both leave, a second burst (still routed into tap0) reaches no client.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 N=1000 RATE=500
OM_HELPER_EXTRA='igmp = { version = 3; };'

om_mcast_setup 3 plugin noigmpproxy
for i in 1 2 3; do
	om_nsx "c$i" sysctl -qw net.ipv4.conf.tap0.force_igmp_version=3
done
om_static_feed_start "$G1" "$G2"

om_recv_start 1 "$G1"
om_recv_start 2 "$G2" "$OM_SRC_ADDR"

# The kernel's view: which IGMP version tap0 speaks in each client.
assert_v3() {
	local i ver
	for i in 1 2; do
		ver=$(om_nsx "c$i" awk '$2 == "tap0" { print $5; exit }' /proc/net/igmp)
		om_assert_eq "$ver" V3 "${OM_CLIENT_CN[i]}: IGMP version of tap0 ($1)"
	done
}
assert_v3 "after joining"

om_mcast_burst "$N" "$RATE" "$G1" "$G2"
om_status_save joined
min=$(om_pct_min "$N" 99)
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1"
om_assert_eq "$(om_cap_count 1 "$G2")" 0 "alice's tap: frames of $G2"
om_assert_ge "$(om_cap_count 2 "$G2")" "$min" "bob's tap: frames of $G2"
om_assert_eq "$(om_cap_count 2 "$G1")" 0 "bob's tap: frames of $G1"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames"

om_recv_leave 1 "$G1" >/dev/null
om_recv_leave 2 "$G2" >/dev/null
om_wait 2 "helper drops alice from $G1" om_helper_lacks_member 1 "$G1"
om_wait 2 "helper drops bob from $G2" om_helper_lacks_member 2 "$G2"
assert_v3 "after leaving"
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G2"
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$min" "alice's app: datagrams of $G1"
om_assert_ge "$(om_recv_val 2 "$G2" unique)" "$min" "bob's app: datagrams of $G2"

# Second burst after both left; keep the first burst's results.
for i in 1 2 3; do
	mv "$OM_OUT/cap-c$i.out" "$OM_OUT/cap-c$i.joined.out"
	mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.joined.log"
done
om_mcast_burst 500 "$RATE" "$G1" "$G2"
om_status_save left
for i in 1 2 3; do
	om_assert_eq "$(om_cap_routed "$i")" 0 "${OM_CLIENT_CN[i]}'s tap: multicast data frames after the leaves"
done
