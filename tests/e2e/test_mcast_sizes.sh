#!/bin/bash
# test_mcast_sizes - datagrams of every size get through the diversion and
# the helper's copies intact: 1472 bytes of payload (a full 1500-byte
# frame) and 4000 bytes (IP fragments: every fragment is diverted and copied
# on its own, and the receiver must reassemble them; a wrong checksum or a
# lost fragment loses the datagram).  alice and bob join G1, carol does not.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=400 RATE=400

om_mcast_setup 3 plugin
min=$(om_pct_min "$N" 99)

for size in 1472 4000; do
	om_recv_start 1 "$G1"
	om_recv_start 2 "$G1"
	om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
	OM_SEND_SIZE=$size om_mcast_burst "$N" "$RATE" "$G1"
	om_recv_stop 1 "$G1"
	om_recv_stop 2 "$G1"
	for i in 1 2; do
		om_assert_ge "$(om_recv_val "$i" "$G1" unique)" "$min" \
			"${OM_CLIENT_CN[i]}'s app: $size-byte datagrams of $G1"
		mv "$OM_OUT/recv-c$i-$G1.out" "$OM_OUT/recv-c$i-$G1.$size.out"
	done
	om_assert_eq "$(om_cap_routed 3)" 0 "carol's tap: multicast data frames ($size bytes)"
	for i in 1 2 3; do
		mv "$OM_OUT/cap-c$i.out" "$OM_OUT/cap-c$i.$size.out"
		mv "$OM_OUT/frames-c$i.log" "$OM_OUT/frames-c$i.$size.log"
	done
	# Let the group expire from the helper before the next size, so each
	# round starts from a fresh join.
	om_wait 5 "helper drops alice from $G1" om_helper_lacks_member 1 "$G1"
done
