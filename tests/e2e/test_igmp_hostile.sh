#!/bin/bash
# test_igmp_hostile - IGMP a broken or hostile client could send, through
# the real tunnel into the helper's snooping.  Each malformed message must
# be counted under its reason in the status' DROPS rows and must not make
# the client a member of anything.  A well-formed report and leave, sent the
# same way, must work: that shows the messages do reach the helper.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2

om_mcast_setup 2 plugin noigmpproxy
om_need_tools igmpsend

drops() { # REASON
	om_status | awk -F, -v r="$1" '$1 == "DROPS" && $2 == r { print $3; f = 1 } END { if (!f) print -1 }'
}
drops_ge() { [ "$(drops "$1")" -ge "$2" ]; }
send() { om_nsx c1 "$OM_TOOLS/igmpsend" -i tap0 "$@"; }

# expect_drop REASON WHAT IGMPSEND-ARGS... - send, then the REASON counter
# must grow, and alice must be in no group.
expect_drop() {
	local reason=$1 what=$2 before groups
	shift 2
	before=$(drops "$reason")
	[ "$before" -ge 0 ] || om_fail "status has no DROPS row $reason"
	send "$@" || om_fail "igmpsend $* failed"
	om_wait 2 "DROPS $reason counts $what" drops_ge "$reason" $((before + 1))
	om_log "ok: DROPS $reason counted $what"
	groups=$(om_status_client_by_mac 1 | cut -d, -f7)
	om_assert_eq "$groups" "" "alice's groups after $what"
}

expect_drop igmp_bad_checksum "a v2 report with a bad checksum" -c v2report "$G1"
expect_drop igmp_bad_length "a v2 report cut to 6 bytes" -l 6 v2report "$G1"
expect_drop igmp_link_local "a v2 report for link-local 224.0.0.251" v2report 224.0.0.251
expect_drop igmp_not_multicast "a v2 report for unicast 10.1.2.3" -d "$G2" v2report 10.1.2.3
# Whether the one record that is present may still count is the parser's
# choice; only the drop counter is checked here.
before=$(drops igmp_bad_record)
send -r 50 v3report "$G2" || om_fail "igmpsend failed"
om_wait 2 "DROPS igmp_bad_record counts a v3 report claiming 50 records with 1 present" \
	drops_ge igmp_bad_record $((before + 1))
om_log "ok: DROPS igmp_bad_record counted a v3 report with a false record count"
om_status_save after-hostile

# The same path with well-formed messages.
send v2report "$G1"
om_wait 2 "a well-formed v2 report makes alice a member of $G1" om_helper_has_member 1 "$G1"
om_log "ok: well-formed report accepted"
send v2leave "$G1"
om_wait 2 "a well-formed v2 leave ends alice's membership of $G1" om_helper_lacks_member 1 "$G1"
om_log "ok: well-formed leave accepted"
om_alive "$OM_SERVER_PID" || om_fail "OpenVPN server died"
