#!/bin/bash
# test_mld_snoop - MLD snooping and the MLD querier as the operator sees
# them, with real OpenVPN 2.6 (server-ipv6) and the clients' own kernels
# sending MLD:
#   ping6 works both ways between the server and each client (neighbour
#   discovery and its MLD are not taken away from anyone);
#   the helper, the only MLD querier on tap0, sends MLDv2 general queries
#   from the tap's link-local address, and a client receives them;
#   alice joins G6 (her kernel sends an MLDv2 report, checked) -> her CLIENT row lists
#   G6, bob's does not, and G6's GROUP row counts 1 member;
#   bob, whose policy allows IPv4 groups only, joins G6 too -> refused
#   (fail closed): his Groups column stays empty, Refused Not Allowed 1;
#   the metrics file names G6 the same way, and parses;
#   with MLDv1 forced on alice's tap, her join and Done of ff15::8000:1
#   work alike;
#   alice leaves -> within 2 s the status lists nobody in G6;
#   the DROPS rows count the clients' link-local reports (ff02::1:ff..),
#   and none of the real kernel's frames failed a check;
#   an MLD query from a higher link-local address leaves the helper the
#   querier, one from fe80::1 (lower) makes it stop (RFC 3810 election).
. "$(dirname "$0")/../lib.sh"

G6=ff3e::8000:1
# Queries every 4 s (startup ones 1 s apart) so one is seen quickly; IGMPv3
# makes our MLD queries MLDv2, so the clients keep sending MLDv2.
OM_HELPER_EXTRA='igmp = { version = 3; query_interval = 4; query_response_interval = 2; };
policy = { clients = ( { common_name = "bob"; allow = [ "239.0.0.0/8" ]; } ); };'
PROM=$OM_OUT/mld.prom
OM_HELPER_EXTRA="$OM_HELPER_EXTRA
metrics_file = \"$PROM\"; status_interval = 1;"

om_topo_vpn6 2
om_need_tools mcrecv mldsend
om_server_start plugin
om_client_start 1
om_client_start 2
om_client6_wait 1
om_client6_wait 2

# Neighbour discovery over the VPN, both directions.
for i in 1 2; do
	om_wait 10 "client ${OM_CLIENT_CN[i]} pings $OM_SERVER_VPN6" om_ping6 "$i"
	a=$(om_if_ipv6 "c$i" tap0)
	om_nsx srv ping -6 -c 1 -W 2 "$a" >>"$OM_OUT/ping6-srv.log" 2>&1 ||
		om_fail "the server cannot ping ${OM_CLIENT_CN[i]} at $a"
done
om_log "ok: ping6 server <-> alice, bob"

# The helper is the MLD querier: bob's tap receives its general queries.
srv_ll=$(ip -n "$(om_ns srv)" -6 -o addr show dev tap0 scope link | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$srv_ll" ] || om_fail "the server's tap0 has no link-local address"
om_bg query-c2 c2 tcpdump -i tap0 -n -l -vv -c 1 'ip6[6] == 0 and ip6[40] == 58 and ip6[48] == 130'
om_wait 10 "bob's tap receives an MLD query" om_not_alive "${OM_BG_PID[query-c2]}"
grep -q "$srv_ll > ff02::1: .*multicast listener query v2" "$OM_OUT/query-c2.out" ||
	om_fail "bob got no MLDv2 general query from $srv_ll: $(cat "$OM_OUT/query-c2.out")"
om_log "ok: MLDv2 general query from $srv_ll reached bob"

groups_of() {
	om_status_field "$1" 7
}
members_of() {
	local row
	row=$(om_status_group "$1")
	echo "${row:+$(cut -d, -f3 <<<"$row")}"
}

# What alice's kernel sends for the join: an MLDv2 report, seen on the tap.
mac1=$(om_if_mac c1 tap0)
om_bg report-c1 srv tcpdump -i tap0 -n -l -vv "ether src $mac1 and ip6[6] == 0 and ip6[48] == 143"
om_wait 5 "tcpdump listening on the server's tap0" grep -qs 'listening on' "$OM_OUT/report-c1.err"
t0=$(om_now_us)
om_recv_start 1 "$G6"
om_log "ok: alice listed in $G6 $((($(om_now_us) - t0) / 1000)) ms after mcrecv started"
om_wait 5 "alice's MLDv2 report for $G6 on the server's tap0" \
	om_bg_alive_grep report-c1 "multicast listener report v2.*gaddr $G6 to_ex"
om_bg_stop report-c1
# bob's join is refused by his policy: only the refusal counter moves.
om_bg recv-c2 c2 "$OM_TOOLS/mcrecv" -g "$G6" -p "$OM_MC_PORT" -i tap0
om_wait 5 "bob's receiver joined" om_bg_alive_grep recv-c2 '^joined '
refused_bob() {
	[ "$(om_status_field bob 12)" -ge 1 ]
}
om_wait 5 "bob's join of $G6 refused (IPv4-only allow list)" refused_bob
om_status_save joined
om_assert_eq "$(groups_of alice)" "$G6" "status: alice's groups"
om_assert_eq "$(groups_of bob)" "" "status: bob's groups"
om_assert_eq "$(members_of "$G6")" 1 "status: members of $G6"
om_assert_eq "$(om_status_field bob 11)" bob "status: bob's policy"
om_assert_eq "$(om_status_field alice 12)" 0 "status: alice's refused joins"
om_bg_stop recv-c2
# The metrics name the IPv6 group as the status does, and still parse.
om_wait 3 "the metrics file lists $G6" grep -qs "group=\"$G6\"" "$PROM"
cp "$PROM" "$OM_OUT/joined.prom"
om_prom_check "$OM_OUT/joined.prom" || om_fail "the metrics file does not parse (see joined.prom)"
om_assert_eq "$(awk -v l="openvpn_mcast_members{group=\"$G6\"}" '$1 == l { print $2 }' "$OM_OUT/joined.prom")" 1 \
	"metrics: members of $G6"

om_recv_leave 1 "$G6" >/dev/null
t0=$(om_now_us)
if ! om_try_wait 2000000 om_helper_lacks_member 1 "$G6"; then
	om_status_save left
	om_fail "alice still listed in $G6 2 s after her MLD leave"
fi
om_log "ok: alice out of $G6 after $((($(om_now_us) - t0) / 1000)) ms"
om_status_save left
om_assert_eq "$(groups_of alice)" "" "status: alice's groups after leaving"
om_assert_eq "$(members_of "$G6")" "" "status: GROUP row of $G6 after the leave"
om_recv_stop 1 "$G6"

# MLDv1 from a real kernel (forced): Report and Done act as IGMPv2's.
G1V=ff15::8000:1
om_nsx c1 sysctl -qw net.ipv6.conf.tap0.force_mld_version=1
om_recv_start 1 "$G1V"
om_assert_eq "$(groups_of alice)" "$G1V" "status: alice's groups (MLDv1 report)"
om_recv_leave 1 "$G1V" >/dev/null
t0=$(om_now_us)
om_try_wait 2000000 om_helper_lacks_member 1 "$G1V" ||
	om_fail "alice still listed in $G1V 2 s after her MLDv1 Done"
om_log "ok: alice out of $G1V after $((($(om_now_us) - t0) / 1000)) ms (MLDv1 Done)"
om_recv_stop 1 "$G1V"
om_status_save left

drop() {
	awk -F, -v r="$1" '$1 == "DROPS" && $2 == r { print $3 }' "$OM_OUT/status-left.csv"
}
for r in mld_truncated mld_bad_checksum mld_bad_length mld_bad_record mld_not_mld \
	 mld_no_router_alert mld_bad_hop_limit mld_bad_source mld_unknown_mac mld_table_full; do
	om_assert_eq "$(drop "$r")" 0 "status: DROPS $r (real kernels' frames)"
done
om_assert_ge "$(drop mld_link_local)" 1 "status: DROPS mld_link_local (solicited-node reports)"

# The election: a query from an address above ours changes nothing, one
# from fe80::1, below every EUI-64 link-local address, silences us.
om_nsx c2 "$OM_TOOLS/mldsend" -i tap0 -S fe80::ffff:ffff:ffff:fffe v2query :: ||
	om_fail "mldsend failed"
om_nsx c2 "$OM_TOOLS/mldsend" -i tap0 -S fe80::1 v2query :: || om_fail "mldsend failed"
om_wait 2 "the helper yields to querier fe80::1" \
	grep -q 'mld: querier fe80::1 heard on tap0; we stop querying' "$OM_OUT/server.log"
if grep -q 'mld: querier fe80::ffff:ffff:ffff:fffe heard' "$OM_OUT/server.log"; then
	om_fail "the helper yielded to a querier with a higher address"
fi
om_log "ok: MLD querier election (yields to fe80::1, not to fe80::ffff:ffff:ffff:fffe)"
