#!/bin/bash
# test_mcast_local_sender - a program on the VPN server itself sends to a
# group on tap0 (no igmpproxy, no routing): only the member gets it, and
# the sender sees no send errors although the kernel's own copy is
# diverted (an nftables drop in the wrong hook would give it EPERM).
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 N=1000 RATE=500

om_mcast_setup 3 plugin noigmpproxy
om_recv_start 1 "$G1"
om_recv_start 2 "$G2"
for i in 1 2 3; do om_cap_start "$i"; done
om_send_start local srv "$G1" "$N" "$RATE" tap0
om_send_wait local
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_status_save after
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G2"

om_assert_eq "$(om_send_val local sent)" "$N" "local sender: datagrams sent"
om_assert_eq "$(om_send_val local errors)" 0 "local sender: send errors"
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$(om_pct_min "$N" 99)" "alice's app: datagrams of $G1"
om_assert_eq "$(om_cap_count 2 "$G1")" 0 "bob's tap: frames of $G1 (he joined $G2)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames"
