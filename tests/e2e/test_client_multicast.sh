#!/bin/bash
# test_client_multicast - multicast that a client sends (SSDP's
# 239.255.255.250) reaches the other members of the group, and only them
# (client_multicast, on by default).  alice (c1) sends, bob (c2) joined,
# carol (c3) did not: bob gets every frame, as a copy to his own MAC;
# carol gets none; alice, a member too, gets none of her own back.  The original still
# reaches the server's own stack (a listener on the server gets it all).
# Link-local 224.0.0.251 (mDNS) is not copied: no other client gets it,
# as with OpenVPN alone (no client-to-client).  Then the same with
# client_multicast = false: bob gets nothing, as before the feature; and
# with client-to-client, where OpenVPN relays it itself: bob gets each
# frame once, never a second copy from the helper.  In between, the helper
# is killed: its successor copies a second burst the same way.
. "$(dirname "$0")/../lib.sh"

G=239.255.255.250 LL=224.0.0.251 N=300 RATE=300

om_topo_vpn 3
om_need_tools mcsend mcrecv tapcount

# run_case NAME - clients up, alice, bob and a listener on the server joined, alice
# sends N to G then N to LL from her tap; frame counts on every client's tap.
run_case() {
	local i
	om_server_start plugin
	for i in 1 2 3; do om_client_start "$i"; done
	om_wait 5 "helper installed its data path on tap0" om_dp_installed
	om_recv_start 1 "$G"
	om_recv_start 2 "$G"
	om_bg recv-srv srv "$OM_TOOLS/mcrecv" -g "$G" -p "$OM_MC_PORT" -i tap0
	om_wait 5 "the server's listener joined" om_bg_alive_grep recv-srv '^joined '
	for i in 1 2 3; do om_cap_start "$i"; done
	om_send_start send-g c1 "$G" "$N" "$RATE" tap0
	om_send_wait send-g
	om_send_start send-ll c1 "$LL" "$N" "$RATE" tap0
	om_send_wait send-ll
	om_wait_quiet
	for i in 1 2 3; do om_cap_stop "$i"; done
	om_status_save "$1"
	om_recv_stop 1 "$G"
	om_recv_stop 2 "$G"
	om_bg_stop recv-srv
	om_assert_eq "$(om_send_val send-g errors)" 0 "alice's sender of $G: send errors"
	om_assert_eq "$(om_send_val send-ll errors)" 0 "alice's sender of $LL: send errors"
	# Delivery to the server's own stack is not the helper's business and
	# stays as it was: every datagram.
	om_assert_eq "$(srv_unique)" "$N" "the server's listener: datagrams of $G"
	om_assert_eq "$(om_cap_count 1 "$G")" 0 "alice's tap: frames of $G (a member, but she sent them)"
	om_log "frames of $G on the taps: alice $(om_cap_count 1 "$G"), bob $(om_cap_count 2 "$G"), carol $(om_cap_count 3 "$G"); of $LL: bob $(om_cap_count 2 "$LL"), carol $(om_cap_count 3 "$LL")"
}

# nothing_to_carol - carol joined nothing and gets nothing; link-local
# frames reach no other client (without client-to-client OpenVPN relays
# nothing between clients, and the helper copies no link-local group).
nothing_to_carol() {
	local i
	om_assert_eq "$(om_cap_count 3 "$G")" 0 "carol's tap: frames of $G (not joined)"
	om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (joined nothing)"
	for i in 2 3; do
		om_assert_eq "$(om_cap_count "$i" "$LL")" 0 "${OM_CLIENT_CN[i]}'s tap: frames of $LL (link-local, not copied)"
	done
}

# no_client_filter WHY - nothing of ours on tap0's ingress.
no_client_filter() {
	if [ "$(om_datapath)" = bpf ]; then
		! om_tc_filter_present tap0 ingress || om_fail "$1: a tc filter on tap0's ingress"
	else
		! om_nsx srv nft list chain netdev "$OM_NFT_TABLE" tap_ingress >/dev/null 2>&1 ||
			om_fail "$1: an nft chain on tap0's ingress"
	fi
	om_log "ok: $1: no filter on tap0's ingress"
}


# srv_unique - unique datagrams the server's own listener received.
srv_unique() {
	grep '^mcrecv ' "$OM_OUT/recv-srv.out" | tr ' ' '\n' | sed -n 's/^unique=//p' | tail -n 1
}

# stop_all NAME - stop clients and server; keep the server's log as NAME.
stop_all() {
	local i
	for i in 1 2 3; do om_client_stop "$i"; done
	om_server_stop
	mv "$OM_OUT/server.log" "$OM_OUT/server.$1.log"
}

# 1. client_multicast on (the default).
run_case on
nothing_to_carol
om_assert_eq "$(om_cap_count 2 "$G")" "$N" "bob's tap: frames of $G (joined)"
om_assert_eq "$(om_cap_unicast 2 "$G")" "$N" "bob's tap: frames of $G to his own MAC"
om_assert_eq "$(om_recv_val 2 "$G" unique)" "$N" "bob's app: datagrams of $G"
om_assert_eq "$(om_status_field bob 8)" "$N" "status: Frames Sent to bob"
# Each copy: Ethernet 14 + IPv4 20 + UDP 8 + mcsend's 200 bytes of payload.
om_assert_eq "$(om_status_field bob 9)" $((N * (14 + 20 + 8 + 200))) "status: Bytes Sent to bob"
om_assert_eq "$(om_status_field alice 8)" 0 "status: Frames Sent to alice"
om_assert_eq "$(om_status_field carol 8)" 0 "status: Frames Sent to carol"
om_assert_eq "$(grep '^DROPS,client_unknown_sender,' "$OM_OUT/status-on.csv" | cut -d, -f3)" 0 \
	"status: client multicast from unknown senders"
# The group's row: alice's frames came in once each, went out once each.
om_assert_eq "$(grep "^GROUP,$G," "$OM_OUT/status-on.csv" | cut -d, -f3-5)" "2,$N,$N" \
	"status: $G's Members,Frames In,Frames Out"

# 1b. After a helper crash the new helper knows the senders again (the
# supervisor replays the clients and their MACs): bob gets all of a second
# burst, alice and carol nothing.
om_recv_start 1 "$G"
om_recv_start 2 "$G"
helper=$(om_helper_pids)
kill -KILL "$helper"
new_helper() { local h; h=$(om_helper_pids); [ -n "$h" ] && [ "$h" != "$helper" ]; }
om_wait 5 "a new helper runs" new_helper
om_wait 5 "the new helper answers on its control socket" om_status_ok
om_wait 5 "alice in $G again" om_helper_has_member 1 "$G"
om_wait 5 "bob in $G again" om_helper_has_member 2 "$G"
# bpf: a client filter someone deleted is attached again (checked each second).
if [ "$(om_datapath)" = bpf ]; then
	om_nsx srv tc filter del dev tap0 ingress pref 192 handle "$(printf '0x6d63%04x' "$OM_NFLOG_GROUP")" bpf ||
		om_fail "cannot delete the helper's tc filter on tap0's ingress"
	om_wait 3 "the helper attaches its filter on tap0's ingress again" om_tc_filter_present tap0 ingress
	om_log "ok: the deleted filter on tap0's ingress is back"
fi
for i in 1 2 3; do om_cap_start "$i"; done
om_send_start send-g2 c1 "$G" "$N" "$RATE" tap0
om_send_wait send-g2
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_recv_stop 1 "$G"
om_recv_stop 2 "$G"
om_log "after the restart, frames of $G on the taps: alice $(om_cap_count 1 "$G"), bob $(om_cap_count 2 "$G"), carol $(om_cap_count 3 "$G")"
om_assert_eq "$(om_cap_count 2 "$G")" "$N" "after a helper restart: bob's tap: frames of $G"
om_assert_eq "$(om_cap_count 1 "$G")" 0 "after a helper restart: alice's tap: frames of $G (she sent them)"
om_assert_eq "$(om_cap_count 3 "$G")" 0 "after a helper restart: carol's tap: frames of $G"
stop_all on
om_assert_server_left_nothing

# 2. client_multicast = false: what OpenVPN alone does, nothing for bob.
OM_HELPER_EXTRA='client_multicast = false;'
run_case off
nothing_to_carol
om_assert_eq "$(om_cap_count 2 "$G")" 0 "client_multicast = false: bob's tap: frames of $G"
om_assert_eq "$(om_status_field bob 8)" 0 "client_multicast = false: status: Frames Sent to bob"
no_client_filter "client_multicast = false"
stop_all off

# 3. client-to-client: OpenVPN sends clients' multicast to every other
# client itself (and into the tap), so the helper makes no copies: bob
# gets each frame once, OpenVPN's, not twice.
OM_HELPER_EXTRA='' OM_SERVER_EXTRA='client-to-client'
run_case c2c
om_assert_eq "$(om_cap_count 2 "$G")" "$N" "client-to-client: bob's tap: frames of $G (once each)"
om_assert_eq "$(om_cap_unicast 2 "$G")" 0 "client-to-client: bob's tap: copies of $G from the helper"
om_assert_eq "$(om_recv_val 2 "$G" dup)" 0 "client-to-client: bob's app: duplicate datagrams of $G"
om_assert_eq "$(om_status_field bob 8)" 0 "client-to-client: status: Frames Sent to bob"
no_client_filter "client-to-client"
grep -q 'openvpn-mcast-helper: warning: client_multicast is off while OpenVPN runs with client-to-client' \
	"$OM_OUT/server.log" || om_fail "client-to-client: the helper does not say that client_multicast is off"
om_log "ok: client-to-client: the helper says that client_multicast is off"
stop_all c2c
