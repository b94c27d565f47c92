#!/bin/bash
# test_mcast_duplicate_cn - with duplicate-cn, two clients share the common
# name "alice" (two certificates, one CN).  The helper must keep them apart:
#   a) two CLIENT rows named alice, with different Ids, pool addresses and
#      the MACs of their own taps;
#   b) only the first joins G1: she gets >= 99 %, her namesake and carol get
#      no routed multicast;
#   c) the first stops: her row goes, her namesake's row stays.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=1000 RATE=500

OM_SERVER_EXTRA='duplicate-cn'
om_topo_mcast 3
om_client_set_cn 2 alice
om_server_start plugin
for i in 1 2 3; do om_client_start "$i"; done
om_feed_start

# --- a) two rows, kept apart ---------------------------------------------------
two_alices() {
	[ "$(om_status | awk -F, '$1 == "CLIENT" && $3 == "alice" && $6 != ""' | wc -l)" = 2 ]
}
om_wait 5 "two CLIENT rows named alice, each with a MAC" two_alices
om_status_save connected
declare -a id=()
for i in 1 2; do
	row=$(om_status_client_by_mac "$i")
	[ -n "$row" ] || om_fail "no CLIENT row with the MAC of client c$i's tap"
	IFS=, read -r _ id[i] cn _ vaddr _ <<<"$row"
	om_assert_eq "$cn" alice "c$i: common name"
	om_assert_eq "$vaddr" "$(om_if_ipv4 "c$i" tap0)" "c$i: virtual address"
done
[ "${id[1]}" != "${id[2]}" ] || om_fail "both alices have Id ${id[1]}"
om_log "ok: the two alices have Ids ${id[1]} and ${id[2]}"

# --- b) only the first alice joined ----------------------------------------------
om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_status_save after
om_recv_stop 1 "$G1"
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$(om_pct_min "$N" 99)" "first alice's app: datagrams of $G1"
om_assert_eq "$(om_cap_routed 2)" 0 "second alice's tap: multicast data frames (not joined)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames (not joined)"

# --- c) the first alice stops ------------------------------------------------------
mac2=$(om_if_mac c2 tap0)
om_client_stop 1 TERM
one_alice_left() {
	local st
	st=$(om_status) || return 1
	[ "$(awk -F, '$1 == "CLIENT" && $3 == "alice"' <<<"$st" | wc -l)" = 1 ] &&
		awk -F, -v m="$mac2" '$1 == "CLIENT" && $3 == "alice" && $6 == m { f = 1 } END { exit !f }' <<<"$st"
}
om_wait 10 "only the second alice listed after the first stopped" one_alice_left
om_status_save first-stopped
om_log "ok: the second alice is still listed"
