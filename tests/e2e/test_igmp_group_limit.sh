#!/bin/bash
# test_igmp_group_limit - one client in very many groups.  The helper keeps
# at most 256 groups per client (mship.h max_groups): alice reports 300
# groups; the status must list exactly 256 of them for her (a long CSV
# cell, all of it), count the rest as igmp_group_limit drops, and still
# work for bob, who joins one group afterwards.
. "$(dirname "$0")/../lib.sh"

om_mcast_setup 2 plugin noigmpproxy
om_need_tools igmpsend

drops() { # REASON
	om_status | awk -F, -v r="$1" '$1 == "DROPS" && $2 == r { print $3 }'
}
alice_groups() { om_status_client_by_mac 1 | cut -d, -f7 | tr ' ' '\n' | sed '/^$/d'; }

before=$(drops igmp_group_limit)
# 300 distinct groups 239.2.<hi>.<lo>, one v2 report each, in one process
# loop inside alice's namespace.
om_nsx c1 bash -c '
	for k in $(seq 0 299); do
		"$0" -i tap0 v2report "239.2.$((k / 200)).$((k % 200 + 1))" || exit 1
	done' "$OM_TOOLS/igmpsend" || om_fail "sending 300 reports failed"

limit_reached() { [ "$(drops igmp_group_limit)" -ge $((before + 44)) ]; }
om_wait 5 "44 reports over the limit counted as igmp_group_limit" limit_reached
om_status_save full
n=$(alice_groups | wc -l)
om_assert_eq "$n" 256 "groups listed for alice"
om_assert_eq "$(alice_groups | sort -u | wc -l)" 256 "distinct groups listed for alice"
bad=$(alice_groups | grep -cvE '^239\.2\.[01]\.[0-9]+$' || true)
om_assert_eq "$bad" 0 "malformed entries in alice's Groups cell"
om_assert_eq "$(om_status | grep -c '^END$')" 1 "END lines in the status"

om_nsx c2 "$OM_TOOLS/igmpsend" -i tap0 v2report 239.3.0.1
om_wait 2 "bob member of 239.3.0.1" om_helper_has_member 2 239.3.0.1
om_log "ok: bob can still join"
