#!/bin/bash
# test_bpf_crash - on the bpf path delivery survives a helper crash: the tc
# programs and their maps stay in the kernel and go on copying.
# alice watches G1, bob G2, carol nothing; the source sends both groups
# (standalone upstream: the upstream program takes them in) and the helper
# is killed with SIGKILL in the middle of the stream.  Every datagram must
# reach alice's and bob's applications (none lost), and carol's tap must see
# no frame of either group.  When OpenVPN then stops, nothing of the
# helper's may be left in the kernel.
# The helper's supervisor would restart it (test_helper_restart); here
# restart.crashes = 1 keeps it down, so what is tested is the kernel's part
# alone, and at the stop the supervisor's removal of the leftovers.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 N=2000 RATE=250
OM_DATAPATH=bpf
OM_FEED=standalone
OM_HELPER_EXTRA="restart = { crashes = 1; };"

om_mcast_setup 3 plugin
om_assert_eq "$(om_datapath)" bpf "data path in use"
om_recv_start 1 "$G1"
om_recv_start 2 "$G2"
om_cap_start 1
om_cap_start 3
om_send_start send1 src "$G1" "$N" "$RATE" eth0
om_send_start send2 src "$G2" "$N" "$RATE" eth0
# Kill once alice has had about a quarter of the stream.
om_wait 20 "alice's tap has $((N / 4)) frames of $G1" om_cap_frames_ge 1 "$G1" $((N / 4))
helper=$(om_helper_pids)
om_assert_eq "$(wc -w <<<"$helper")" 1 "helper processes"
kill -KILL "$helper"
om_log "killed helper pid $helper with $(om_cap_frames_now 1 "$G1") of $N frames of $G1 at alice"
om_wait 5 "helper process gone" om_not_alive "$helper"
om_send_wait send1
om_send_wait send2
om_wait_quiet
om_cap_stop 1
om_cap_stop 3
om_recv_stop 1 "$G1"
om_recv_stop 2 "$G2"
om_tc_filter_present tap0 egress || om_fail "the tap program went away with the helper"
om_assert_eq "$(om_recv_val 1 "$G1" unique)" "$N" "alice's app: datagrams of $G1 (helper killed mid-stream)"
om_assert_eq "$(om_recv_val 2 "$G2" unique)" "$N" "bob's app: datagrams of $G2 (helper killed mid-stream)"
om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames"

# OpenVPN stops with its helper dead: the supervisor removes what the
# helper left in the kernel (tc filters on tap0 and up0, control socket).
om_server_stop
grep -q 'openvpn-mcast-supervisor: removed what the dead helper left in the kernel' "$OM_OUT/server.log" ||
	om_fail "the supervisor did not clean up after its dead helper (see server.log)"
om_assert_server_left_nothing
