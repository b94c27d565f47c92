#!/bin/bash
# test_mld_hostile - MLD a broken or hostile client could send, through the
# real tunnel into the helper's snooping.  Each malformed frame must be
# counted under its reason in the status' DROPS rows and must not make the
# client a member of anything.  A well-formed report and done, sent the same
# way, must work: that shows the frames do reach the helper.
. "$(dirname "$0")/../lib.sh"

G6=ff3e::8000:1

om_topo_vpn6 1
om_need_tools mldsend
om_server_start plugin
om_client_start 1

drops() { # REASON
	om_status | awk -F, -v r="$1" '$1 == "DROPS" && $2 == r { print $3; f = 1 } END { if (!f) print -1 }'
}
drops_ge() { [ "$(drops "$1")" -ge "$2" ]; }
send() { om_nsx c1 "$OM_TOOLS/mldsend" -i tap0 "$@"; }

# expect_drop REASON WHAT MLDSEND-ARGS... - send, then the REASON counter
# must grow by one, and alice must be in no group.
expect_drop() {
	local reason=$1 what=$2 before groups
	shift 2
	before=$(drops "$reason")
	[ "$before" -ge 0 ] || om_fail "status has no DROPS row $reason"
	send "$@" || om_fail "mldsend $* failed"
	om_wait 2 "DROPS $reason counts $what" drops_ge "$reason" $((before + 1))
	om_log "ok: DROPS $reason counted $what"
	groups=$(om_status_client_by_mac 1 | cut -d, -f7)
	om_assert_eq "$groups" "" "alice's groups after $what"
}

expect_drop mld_bad_checksum "an MLDv2 report with a bad checksum" -c v2report "$G6"
expect_drop mld_bad_checksum "an MLDv1 report with a bad checksum" -c v1report "$G6"
expect_drop mld_truncated "an MLDv2 report cut short of its payload length" -T 70 v2report "$G6"
expect_drop mld_bad_length "an MLDv1 report of 20 bytes" -L 20 v1report "$G6"
expect_drop mld_bad_record "an MLDv2 report claiming 50 records with 1 present" -r 50 v2report "$G6"
expect_drop mld_not_multicast "an MLDv1 report for unicast 2001:db8::1" v1report 2001:db8::1
expect_drop mld_reserved "an MLDv1 report for ff30::1 (scope 0)" v1report ff30::1
expect_drop mld_link_local "an MLDv2 report for link-local ff02::fb" v2report ff02::fb
expect_drop mld_unknown_type "ICMPv6 type 144 behind a Router Alert" -t 144 v1report "$G6"
expect_drop mld_no_router_alert "an MLDv2 report without Router Alert" -n v2report "$G6"
expect_drop mld_bad_hop_limit "an MLDv2 report with hop limit 64" -H 64 v2report "$G6"
expect_drop mld_bad_source "an MLDv2 report from global 2001:db8::5" -S 2001:db8::5 v2report "$G6"
om_status_save after-hostile

# The same path with well-formed frames: MLDv2, then MLDv1 (from ::, as a
# host without an address may).
send v2report "$G6"
om_wait 2 "a well-formed MLDv2 report makes alice a member of $G6" om_helper_has_member 1 "$G6"
om_log "ok: well-formed MLDv2 report accepted"
send v1done "$G6"
om_wait 2 "a well-formed MLDv1 done ends alice's membership of $G6" om_helper_lacks_member 1 "$G6"
om_log "ok: well-formed MLDv1 done accepted"
send -S :: v1report "$G6"
om_wait 2 "an MLDv1 report from :: makes alice a member of $G6" om_helper_has_member 1 "$G6"
om_log "ok: MLDv1 report from :: accepted"
om_alive "$OM_SERVER_PID" || om_fail "OpenVPN server died"
om_status_ok || om_fail "the helper no longer answers"
