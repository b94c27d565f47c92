#!/bin/bash
# tests/bench/e2e_rate.sh - throughput of the whole data path in the e2e
# setup: source -> igmpproxy -> nftables egress -> nflog -> helper -> tap0 ->
# OpenVPN -> 3 clients, all members of one group (3 copies per packet).
# A benchmark, not a test: it prints figures and asserts nothing.
#
#   sudo bash tests/bench/e2e_rate.sh [RATE...]     (default 2000 5000 10000 20000)
#
# For each offered rate (packets/s of 1316-byte UDP, 3 s): packets the
# helper took in per second, copies it wrote per second, its drop counters,
# and the share each client's application received.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 SIZE=1316 SECS=3
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(2000 5000 10000 20000)

om_mcast_setup 3 plugin
group_col() { om_status_group "$G1" | cut -d, -f"$1"; }
drop() { om_status | awk -F, -v r="$1" '$1 == "DROPS" && $2 == r { print $3 }'; }

printf '%8s %10s %10s %8s %8s %8s %8s %8s\n' offered helper_in/s copies/s nflog_ov tap_nobuf alice% bob% carol%
for rate in "${rates[@]}"; do
	n=$((rate * SECS))
	for i in 1 2 3; do om_recv_start "$i" "$G1"; done
	om_wait 10 "igmpproxy joined $G1 upstream" om_upstream_joined "$G1"
	in0=$(group_col 4) out0=$(group_col 5) ov0=$(drop nflog_overrun) nb0=$(drop tap_send_nobufs)
	t0=$(om_now_us)
	om_bg send src "$OM_TOOLS/mcsend" -g "$G1" -p "$OM_MC_PORT" -n "$n" -r "$rate" -t 8 -s "$SIZE" -i eth0
	om_send_wait send
	t1=$(om_now_us)
	sleep 1 # let the last packets drain (no tap captures here)
	in1=$(group_col 4) out1=$(group_col 5) ov1=$(drop nflog_overrun) nb1=$(drop tap_send_nobufs)
	pct=()
	for i in 1 2 3; do
		om_recv_stop "$i" "$G1"
		pct+=("$(awk -v u="$(om_recv_val "$i" "$G1" unique)" -v n="$n" 'BEGIN { printf "%.1f", 100 * u / n }')")
	done
	us=$((t1 - t0))
	printf '%8d %10d %10d %8d %8d %8s %8s %8s\n' "$rate" \
		$(((in1 - in0) * 1000000 / us)) $(((out1 - out0) * 1000000 / us)) \
		$((ov1 - ov0)) $((nb1 - nb0)) "${pct[@]}"
	# Let memberships settle before the next round (receivers left).
	om_try_wait 3000000 eval '[ -z "$(om_status_group "$G1")" ]' || true
done
