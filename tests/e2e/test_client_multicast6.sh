#!/bin/bash
# test_client_multicast6 - test_client_multicast for an IPv6 group
# (ff3e::8000:5): alice sends from her tap, alice and bob joined (MLDv2),
# carol did not: bob gets every frame as a copy to his MAC, alice none of
# her own, carol none; link-local ff02::fb (mDNS) is not copied.
# Needs the IPv6 data path (branch v6dp: IPv6 classifier and address keys,
# tests/lib.sh's om_topo_vpn6, mcsend/tapcount for IPv6), hence listed in
# tests/e2e/PENDING until it has landed.
. "$(dirname "$0")/../lib.sh"

G=ff3e::8000:5 LL=ff02::fb N=300 RATE=300

OM_HELPER_EXTRA='igmp = { version = 3; };'
om_topo_vpn6 3
om_nsx srv sysctl -qw net.ipv6.conf.all.force_mld_version=2
for i in 1 2 3; do om_nsx "c$i" sysctl -qw net.ipv6.conf.all.force_mld_version=2; done
om_need_tools mcsend mcrecv tapcount
om_server_start plugin
for i in 1 2 3; do om_client_start "$i"; done
for i in 1 2 3; do om_client6_wait "$i"; done
om_wait 5 "helper installed its data path on tap0" om_dp_installed
om_recv_start 1 "$G"
om_recv_start 2 "$G"
for i in 1 2 3; do om_cap_start "$i"; done
om_send_start send-g c1 "$G" "$N" "$RATE" tap0
om_send_wait send-g
om_send_start send-ll c1 "$LL" "$N" "$RATE" tap0
om_send_wait send-ll
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_status_save after
om_recv_stop 1 "$G"
om_recv_stop 2 "$G"
om_log "frames of $G on the taps: alice $(om_cap_count 1 "$G"), bob $(om_cap_count 2 "$G"), carol $(om_cap_count 3 "$G"); of $LL: bob $(om_cap_count 2 "$LL"), carol $(om_cap_count 3 "$LL")"
om_assert_eq "$(om_send_val send-g errors)" 0 "alice's sender of $G: send errors"
om_assert_eq "$(om_cap_count 2 "$G")" "$N" "bob's tap: frames of $G (joined)"
om_assert_eq "$(om_cap_unicast 2 "$G")" "$N" "bob's tap: frames of $G to his own MAC"
om_assert_eq "$(om_recv_val 2 "$G" unique)" "$N" "bob's app: datagrams of $G"
om_assert_eq "$(om_cap_count 1 "$G")" 0 "alice's tap: frames of $G (a member, but she sent them)"
om_assert_eq "$(om_cap_count 3 "$G")" 0 "carol's tap: frames of $G (not joined)"
for i in 2 3; do
	om_assert_eq "$(om_cap_count "$i" "$LL")" 0 "${OM_CLIENT_CN[i]}'s tap: frames of $LL (link-local, not copied)"
done
om_assert_eq "$(om_status_field bob 8)" "$N" "status: Frames Sent to bob"
