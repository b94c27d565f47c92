#!/bin/bash
# test_mcast_membership - IGMP snooping as the operator sees it in the
# helper's status, no multicast data needed.  With igmpproxy querying tap0:
#   alice joins G1 and G2, bob joins G1, carol joins nothing
#   -> CLIENT rows list exactly those groups; GROUP rows count 2 and 1;
#   bob leaves G1 -> within 1 s he lists no group and G1 has 1 member;
#   alice's OpenVPN stops -> once OpenVPN disconnects her, no group is left
#   with a member.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2

om_mcast_setup 3 plugin
om_recv_start 1 "$G1"
om_recv_start 1 "$G2"
om_recv_start 2 "$G1"

# groups_of CN - the CN's Groups column, one group per line, sorted.
groups_of() {
	om_status_field "$1" 7 | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
members_of() {
	local row
	row=$(om_status_group "$1")
	echo "${row:+$(cut -d, -f3 <<<"$row")}"
}

om_status_save joined
om_assert_eq "$(groups_of alice)" "$G1 $G2" "status: alice's groups"
om_assert_eq "$(groups_of bob)" "$G1" "status: bob's groups"
om_assert_eq "$(groups_of carol)" "" "status: carol's groups"
om_assert_eq "$(members_of "$G1")" 2 "status: members of $G1"
om_assert_eq "$(members_of "$G2")" 1 "status: members of $G2"

om_recv_leave 2 "$G1" >/dev/null
t0=$(om_now_us)
if ! om_try_wait 1000000 om_helper_lacks_member 2 "$G1"; then
	om_status_save bob-left
	om_fail "bob still listed in $G1 1 s after his IGMP leave"
fi
om_log "ok: bob out of $G1 after $((($(om_now_us) - t0) / 1000)) ms"
om_status_save bob-left
om_assert_eq "$(groups_of bob)" "" "status: bob's groups after leaving"
om_assert_eq "$(members_of "$G1")" 1 "status: members of $G1 after bob left"
om_assert_eq "$(groups_of alice)" "$G1 $G2" "status: alice's groups after bob left"

# alice goes away without leaving (her OpenVPN stops).
om_client_stop 1 TERM
om_wait 10 "alice gone from status" om_status_lacks_client alice
no_member_left() {
	local g m
	for g in "$G1" "$G2"; do
		m=$(members_of "$g")
		[ -z "$m" ] || [ "$m" = 0 ] || return 1
	done
}
om_wait 1 "no member left in $G1/$G2 once alice is gone" no_member_left
om_status_save alice-gone
om_log "ok: no members left"
