#!/bin/bash
# test_v6_client_multicast - test_client_multicast for an IPv6 group: what
# a client sends to ff3e::8000:2 reaches the other members only
# (client_multicast). OpenVPN with server-ipv6; alice (c1) sends from her
# tap, alice and bob (c2) joined with MLD, carol (c3) did not: bob gets
# every frame, as a copy to his own MAC; carol gets none; alice none of her
# own back. Link-local ff02::fb (mDNS) is not copied: no other client gets
# it, as with OpenVPN alone. Neighbour discovery works meanwhile.
# test_nflog_v6_client_multicast runs the same on the nflog path.
. "$(dirname "$0")/../lib.sh"

G=ff3e::8000:2 LL=ff02::fb N=300 RATE=300

om_topo_vpn6 3
om_need_tools mcsend mcrecv tapcount
om_server_start plugin
for i in 1 2 3; do om_client_start "$i"; om_client6_wait "$i"; done
om_wait 5 "helper installed its data path on tap0" om_dp_installed
om_recv_start 1 "$G"
om_recv_start 2 "$G"
om_helper_lacks_member 3 "$G" || om_fail "the helper lists carol in $G"
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
om_assert_eq "$(om_send_val send-g errors)" 0 "alice's sender of $G: send errors"
om_assert_eq "$(om_send_val send-ll errors)" 0 "alice's sender of $LL: send errors"
count() { # I GROUP - "frames unicast-MAC-frames" of UDP to GROUP on client I's tap
	awk -v g="$2" '$1 == "count" && $2 == g && $3 == "udp" { n = $4; u = $5 } END { print n + 0, u + 0 }' \
		"$OM_OUT/cap-c$1.out"
}
om_assert_eq "$(count 2 "$G")" "$N $N" "bob's tap: frames of $G, all to his MAC"
om_assert_eq "$(om_recv_val 2 "$G" unique)" "$N" "bob's socket: datagrams of $G"
om_assert_eq "$(count 1 "$G")" "0 0" "alice's tap: frames of $G (a member, but she sent them)"
om_assert_eq "$(count 3 "$G")" "0 0" "carol's tap: frames of $G (not joined)"
for i in 2 3; do
	om_assert_eq "$(count "$i" "$LL")" "0 0" "${OM_CLIENT_CN[i]}'s tap: frames of $LL (link-local, not copied)"
done
om_assert_eq "$(om_status_field alice 8) $(om_status_field bob 8) $(om_status_field carol 8)" \
	"0 $N 0" "status: frames sent to alice, bob, carol"
om_ping6 3 || om_fail "carol cannot ping6 the server (neighbour discovery; ping6-c3.log)"
om_log "ok: carol pings $OM_SERVER_VPN6"
om_log "frames of $G on the taps: alice $(count 1 "$G"), bob $(count 2 "$G"), carol $(count 3 "$G") (total unicast)"
