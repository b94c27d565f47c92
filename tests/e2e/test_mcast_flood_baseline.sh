#!/bin/bash
# test_mcast_flood_baseline - the problem this project fixes, shown with the
# multicast topology and WITHOUT the plugin: c1 joins G1, c2 joins G2, c3
# joins nothing; igmpproxy routes both groups into tap0 and OpenVPN floods
# every frame to every client.  The same assertions that test_mcast_select
# makes with the plugin must come out the other way here, which shows that
# the frame counting can tell the difference.
. "$(dirname "$0")/../lib.sh"
om_need_mroute "the baseline floods through igmpproxy"

G1=239.1.1.1 G2=239.1.1.2 N=1000 RATE=500
# Flooding makes 6 encrypted copies per datagram; under emulation (the VM)
# OpenVPN carries that only at a low rate.  The counts asserted are the same.
OM_VM_MAX_RATE=25

om_topo_mcast 3
om_server_start noplugin
for i in 1 2 3; do om_client_start "$i"; done
om_igmpproxy_start

om_recv_start 1 "$G1"
om_recv_start 2 "$G2"
om_wait 10 "igmpproxy joined $G1 upstream" om_upstream_joined "$G1"
om_wait 10 "igmpproxy joined $G2 upstream" om_upstream_joined "$G2"
for i in 1 2 3; do om_cap_start "$i"; done

om_send_start s1 src "$G1" "$N" "$RATE" eth0
om_send_start s2 src "$G2" "$N" "$RATE" eth0
om_send_wait s1
om_send_wait s2
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G2"

min=$(om_pct_min "$N" 99)
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$min" "alice's app: datagrams of $G1"
om_assert_ge "$(om_recv_val 2 "$G2" unique)" "$min" "bob's app: datagrams of $G2"
# Flooding: every tap gets both groups, joined or not.
for i in 1 2 3; do
	om_assert_ge "$(om_cap_count "$i" "$G1")" "$min" "${OM_CLIENT_CN[i]}'s tap: frames of $G1 (flooded)"
	om_assert_ge "$(om_cap_count "$i" "$G2")" "$min" "${OM_CLIENT_CN[i]}'s tap: frames of $G2 (flooded)"
done
