#!/bin/bash
# test_mcast_ssm - IGMPv3 source filtering (the design's members(S,G)).
# Two sources, S1 and S2, both send to G1; smcroute routes G1 from any
# source into tap0 (standalone mode: the helper's upstream join does, and
# its source filter is checked as each member joins).  All clients speak IGMPv3 (the helper queries in v3).
#   alice joins G1 any-source (EXCLUDE {}): she gets both sources;
#   bob joins G1 from S1 only (INCLUDE {S1}): he gets S1, and no frame from
#   S2 reaches his tap;
#   carol joins G1 from any source but S2 (EXCLUDE {S2}): she gets S1, and
#   no frame from S2 reaches her tap.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 S1=$OM_SRC_ADDR S2=10.99.0.3 N=500 RATE=250
OM_HELPER_EXTRA='igmp = { version = 3; };'

om_mcast_setup 3 plugin noigmpproxy
om_addr src eth0 "$S2/24"
for i in 1 2 3; do
	om_nsx "c$i" sysctl -qw net.ipv4.conf.tap0.force_igmp_version=3
done
om_static_feed_start "$G1"

# The server's own upstream filter follows the members' (RFC 4605 4.1):
# INCLUDE {S1} alone is a source-specific join; + EXCLUDE {S2} gives
# EXCLUDE {S2}; + EXCLUDE {} gives any source.
upstream_is() { [ "$(om_upstream_sources "$G1" | tr '\n' ' ')" = "$1" ] && om_upstream_joined "$G1"; }
check_upstream() {
	[ "$(om_feed)" = standalone ] || return 0
	om_try_wait 1000000 upstream_is "$1" ||
		om_fail "upstream filter of $G1 on up0: got '$(om_upstream_sources "$G1" | tr '\n' ' ')', expected '$1'"
	om_log "ok: upstream filter of $G1 on up0 = '$1' ($2)"
}
om_recv_start 2 "$G1" "$S1"
check_upstream "$S1 include " "bob: INCLUDE {S1}"
om_recv_start 3 "$G1" "!$S2"
check_upstream "$S2 exclude " "bob + carol: EXCLUDE {S2}"
om_recv_start 1 "$G1"
check_upstream "" "bob + carol + alice: any source"
for i in 1 2 3; do
	ver=$(om_nsx "c$i" awk '$2 == "tap0" { print $5; exit }' /proc/net/igmp)
	om_assert_eq "$ver" V3 "${OM_CLIENT_CN[i]}: IGMP version of tap0"
done

for i in 1 2 3; do om_cap_start "$i"; done
OM_SEND_FROM=$S1 om_send_start from1 src "$G1" "$N" "$RATE" eth0
OM_SEND_FROM=$S2 om_send_start from2 src "$G1" "$N" "$RATE" eth0
om_send_wait from1
om_send_wait from2
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
om_status_save after
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G1"
om_recv_stop 3 "$G1"

min=$(om_pct_min "$N" 99)
om_assert_ge "$(om_cap_count_from 1 "$G1" "$S1")" "$min" "alice's tap: frames of $G1 from $S1"
om_assert_ge "$(om_cap_count_from 1 "$G1" "$S2")" "$min" "alice's tap: frames of $G1 from $S2"
om_assert_ge "$(om_cap_count_from 2 "$G1" "$S1")" "$min" "bob's tap: frames of $G1 from $S1 (his source)"
om_assert_eq "$(om_cap_count_from 2 "$G1" "$S2")" 0 "bob's tap: frames of $G1 from $S2 (not his source)"
om_assert_ge "$(om_cap_count_from 3 "$G1" "$S1")" "$min" "carol's tap: frames of $G1 from $S1"
om_assert_eq "$(om_cap_count_from 3 "$G1" "$S2")" 0 "carol's tap: frames of $G1 from $S2 (excluded)"
om_assert_ge "$(om_recv_val 3 "$G1" unique)" "$min" "carol's app: datagrams of $G1 (from $S1)"
