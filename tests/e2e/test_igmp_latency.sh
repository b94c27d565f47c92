#!/bin/bash
# test_igmp_latency - the helper's status follows real IGMP within 100 ms.
# alice's kernel speaks IGMPv2, bob's IGMPv3 (force_igmp_version; no v2
# querier on the tap, so bob stays on v3: the helper queries in v3).  Each
# joins a group with a real socket, then leaves it; the time from the
# socket call to the status showing the change must stay within 100 ms.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 LIMIT_MS=100
OM_HELPER_EXTRA='igmp = { version = 3; };'

om_mcast_setup 2 plugin noigmpproxy
om_need_tools ctlquery
om_nsx c1 sysctl -qw net.ipv4.conf.tap0.force_igmp_version=2
om_nsx c2 sysctl -qw net.ipv4.conf.tap0.force_igmp_version=3

# status_has MAC GROUP - the status lists GROUP for the client with MAC
# (1), or not (0).  The poll's own cost is part of what is measured, so it
# is kept small: the MAC is read once, beforehand, and the status comes from
# ctlquery, not from starting the helper binary with all its libraries.
status_has() {
	local st
	st=$("$OM_TOOLS/ctlquery" "$OM_CTL_SOCK") || return 2
	awk -F, -v m="$1" -v g="$2" '$1 == "CLIENT" && $6 == m {
		n = split($7, a, " "); for (k = 1; k <= n; k++) if (a[k] == g) f = 1 } END { print f + 0 }' <<<"$st"
}
member() {
	[ "$(status_has "$@")" = 1 ]
}
not_member() {
	[ "$(status_has "$@")" = 0 ]
}

# join_and_leave I GROUP VERSION
join_and_leave() {
	local i=$1 g=$2 v=$3 name="recv-c$1-$2" t_join t_seen t_leave t_gone ver mac
	local cn=${OM_CLIENT_CN[i]}

	mac=$(om_if_mac "c$i" tap0)
	# Poll the status from the start, and read the join time afterwards:
	# waiting for mcrecv's "joined" line first (50 ms polls) would add its
	# own delay to what is measured.
	om_bg "$name" "c$i" "$OM_TOOLS/mcrecv" -g "$g" -p "$OM_MC_PORT" -i tap0
	om_try_wait 5000000 member "$mac" "$g" ||
		om_fail "$cn not listed as member of $g 5 s after starting to join"
	t_seen=$(om_now_us)
	om_wait 5 "$name joined" om_bg_alive_grep "$name" '^joined '
	t_join=$(awk '$1 == "joined" { sub(/\./, "", $2); print $2; exit }' "$OM_OUT/$name.out")
	ver=$(om_nsx "c$i" awk '$2 == "tap0" { print $5; exit }' /proc/net/igmp)
	om_assert_eq "$ver" "V$v" "$cn: IGMP version of tap0"
	om_assert_le $(((t_seen - t_join) / 1000)) "$LIMIT_MS" "ms from $cn's join of $g (IGMPv$v) to the status"

	# Likewise for the leave: signal, poll, then read the leave time.
	kill -USR1 "${OM_BG_PID[$name]}"
	om_try_wait 2000000 not_member "$mac" "$g" ||
		om_fail "$cn still member of $g 2 s after leaving"
	t_gone=$(om_now_us)
	om_wait 5 "$name left" om_bg_alive_grep "$name" '^left '
	t_leave=$(awk '$1 == "left" { sub(/\./, "", $2); print $2; exit }' "$OM_OUT/$name.out")
	om_assert_le $(((t_gone - t_leave) / 1000)) "$LIMIT_MS" "ms from $cn's leave of $g (IGMPv$v) to the status"
	om_recv_stop "$i" "$g"
}

join_and_leave 1 "$G1" 2
join_and_leave 2 "$G2" 3
