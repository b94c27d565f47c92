#!/bin/bash
# tests/bench/member_loss.sh - what members lose and what non-members get,
# by offered rate: source -> feed (standalone upstream where the kernel
# cannot route multicast, else igmpproxy; OM_FEED overrides) -> helper ->
# OpenVPN -> alice and bob (members of G1) and carol (member of nothing).
# A benchmark, not a test: it prints figures and asserts nothing.
#
#   sudo bash tests/bench/member_loss.sh [RATE...]     (default 400 5000)
#
# For each offered rate (packets/s of 1316-byte UDP, SECS s): the datagrams
# each member's application lost, and the group's frames on carol's tap.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 SIZE=1316 SECS=${SECS:-5}
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(400 5000)

om_mcast_setup 3 plugin
om_log "feed: $(om_feed)"
drop() { om_status | awk -F, -v r="$1" '$1 == "DROPS" && $2 == r { print $3 }'; }

printf '%-10s %8s %8s %12s %12s %14s %9s %9s\n' feed offered sent alice_lost bob_lost carol_frames nflog_ov tap_nobuf
for rate in "${rates[@]}"; do
	n=$((rate * SECS))
	om_recv_start 1 "$G1"
	om_recv_start 2 "$G1"
	om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
	ov0=$(drop nflog_overrun) nb0=$(drop tap_send_nobufs)
	om_cap_start 3
	OM_SEND_SIZE=$SIZE om_send_start send src "$G1" "$n" "$rate" eth0
	om_send_wait send
	om_wait_quiet
	om_cap_stop 3
	ov1=$(drop nflog_overrun) nb1=$(drop tap_send_nobufs)
	om_recv_stop 1 "$G1"
	om_recv_stop 2 "$G1"
	lost1=$((n - $(om_recv_val 1 "$G1" unique)))
	lost2=$((n - $(om_recv_val 2 "$G1" unique)))
	printf '%-10s %8d %8d %5d (%4s%%) %5d (%4s%%) %14d %9d %9d\n' "$(om_feed)" "$rate" "$(om_send_val send sent)" \
		"$lost1" "$(awk -v l="$lost1" -v n="$n" 'BEGIN { printf "%.2f", 100 * l / n }')" \
		"$lost2" "$(awk -v l="$lost2" -v n="$n" 'BEGIN { printf "%.2f", 100 * l / n }')" \
		"$(om_cap_count 3 "$G1")" $((ov1 - ov0)) $((nb1 - nb0))
	mv "$OM_OUT/cap-c3.out" "$OM_OUT/cap-c3.$rate.out"
	mv "$OM_OUT/frames-c3.log" "$OM_OUT/frames-c3.$rate.log"
	om_try_wait 3000000 om_upstream_not_joined "$G1" || true
done
