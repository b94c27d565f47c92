#!/bin/bash
# test_helper_caps - least privilege: once set up, the helper keeps only
# CAP_NET_ADMIN and CAP_NET_RAW (permitted = effective, bounding set just
# those two, nothing inheritable or ambient) and runs as the configured
# `user` (nobody), and still does its job: alice (member of G1) gets >= 99 %
# of a burst, bob (no member) nothing, alice's leave is seen, the tap going
# down and up is followed, and at stop the helper removes its data path and
# its control socket as nobody.  Once per data path (bpf, nflog); each run
# has its own logs (tests/out/test_helper_caps_<path>/).
if [ -z "${OM_DATAPATH:-}" ]; then
	rc=0
	for p in bpf nflog; do
		OM_DATAPATH=$p OM_TEST_NAME="test_helper_caps_$p" bash "$0" || rc=$?
		[ "$rc" = 0 ] || exit "$rc"
	done
	exit 0
fi
export OM_HELPER_USER=nobody
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=500 RATE=500
# CAP_NET_ADMIN (12) and CAP_NET_RAW (13).
KEEP=0000000000003000

om_need_built
id -u nobody >/dev/null 2>&1 || om_skip "no user nobody on this system"
NOBODY=$(id -u nobody)

om_mcast_setup 2 plugin
pid=$(om_helper_pids)
om_assert_eq "$(wc -w <<<"$pid")" 1 "helper processes"
om_assert_eq "$(om_datapath)" "$OM_DATAPATH" "data path"
st="/proc/$pid/status"
cp "$st" "$OM_OUT/helper-proc-status.txt"
# field KEY - the value(s) of KEY in the helper's /proc status, space-separated.
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$st"; }
om_assert_eq "$(field Gid)" "$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)" \
	"helper Gid (real, effective, saved, fs)"
om_assert_eq "$(field Groups)" "$(id -g nobody)" "helper supplementary groups"
om_assert_eq "$(field Uid)" "$NOBODY $NOBODY $NOBODY $NOBODY" \
	"helper Uid (real, effective, saved, fs)"
om_assert_eq "$(field CapEff)" "$KEEP" "helper CapEff"
om_assert_eq "$(field CapPrm)" "$KEEP" "helper CapPrm"
om_assert_eq "$(field CapBnd)" "$KEEP" "helper CapBnd"
om_assert_eq "$(field CapInh)" 0000000000000000 "helper CapInh"
om_assert_eq "$(field CapAmb)" 0000000000000000 "helper CapAmb"

om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_assert_ge "$(om_cap_count 1 "$G1")" "$(om_pct_min "$N" 99)" "alice's tap: frames of $G1"
om_assert_eq "$(om_cap_routed 2)" 0 "bob's tap: multicast data frames"

# The data path is reinstalled by the unprivileged helper.
om_nsx srv ip link set tap0 down
sleep 1.5
om_nsx srv ip link set tap0 up
om_wait 5 "data path in place after the flap" om_dp_installed
mv "$OM_OUT/cap-c1.out" "$OM_OUT/cap-c1.before.out"
mv "$OM_OUT/cap-c2.out" "$OM_OUT/cap-c2.before.out"
om_mcast_burst "$N" "$RATE" "$G1"
om_assert_ge "$(om_cap_count 1 "$G1")" "$(om_pct_min "$N" 99)" "alice's tap: frames of $G1 after the flap"
om_assert_eq "$(om_cap_routed 2)" 0 "bob's tap: multicast data frames after the flap"

om_recv_leave 1 "$G1" >/dev/null
om_try_wait 3000000 om_helper_lacks_member 1 "$G1" || om_fail "alice's leave not seen by the helper"
om_log "ok: alice's leave seen"
om_assert_eq "$(awk '$1 == "CapEff:" { print $2 }' "$st")" "$KEEP" "helper CapEff at the end"

om_server_stop
om_assert_server_left_nothing
