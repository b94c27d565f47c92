#!/bin/bash
# test_upstream_conflict - standalone mode and a multicast router on the
# same tap would both forward, and every member would get each packet twice.
#   a) tap0 is already a multicast routing interface (smcroute, on a
#      persistent tap0) when OpenVPN starts with upstream = "up0": OpenVPN
#      refuses to start, and its log says why;
#   b) OpenVPN runs in standalone mode, alice watches G1, then a router
#      starts using tap0: the helper steps back (says so, leaves upstream),
#      and alice gets each datagram exactly once, through the router.
. "$(dirname "$0")/../lib.sh"
om_need_mroute "a multicast router must be able to use the tap"

G1=239.1.1.1 N=500 RATE=250
OM_FEED=standalone

om_topo_mcast 1

# --- a) refused at start ------------------------------------------------------
om_nsx srv ip tuntap add dev tap0 mode tap
om_nsx srv ip link set tap0 up
om_smcroute_start "$G1"
om_server_conf plugin
ip netns exec "$(om_ns srv)" openvpn --config "$OM_OUT/server.conf" \
	--log "$OM_OUT/server-refused.log" </dev/null >/dev/null 2>&1 &
pid=$!
om_wait 20 "OpenVPN exits when tap0 is already a multicast routing interface" om_not_alive "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -ne 0 ] || om_fail "OpenVPN exited with status 0 despite the conflict"
grep -q 'refusing to start: upstream = "up0"' "$OM_OUT/server-refused.log" ||
	om_fail "server-refused.log does not say why OpenVPN refused to start"
om_log "ok: OpenVPN refused to start (exit $rc): $(grep -o 'refusing to start.*' "$OM_OUT/server-refused.log" | head -n 1)"
om_bg_stop smcroute
om_nsx srv ip tuntap del dev tap0 mode tap

# --- b) a router appears later ---------------------------------------------------
om_server_start plugin
om_client_start 1
om_recv_start 1 "$G1"
om_wait 2 "$G1 joined on up0 by the helper" om_upstream_joined "$G1"
om_smcroute_start "$G1"
stepped_back() { grep -q 'upstream: tap0 is now a multicast routing interface' "$OM_OUT/server.log"; }
om_wait 3 "the helper steps back once a router uses tap0" stepped_back
joined_col() { om_status | awk -F, -v g="$G1" '$1 == "UPSTREAM" && $3 == g { print $8 }'; }
om_assert_eq "$(joined_col)" no "status: the helper's own upstream join of $G1"
om_mcast_burst "$N" "$RATE" "$G1"
om_recv_stop 1 "$G1"
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$(om_pct_min "$N" 99)" "alice's app: datagrams of $G1 (through the router)"
om_assert_eq "$(om_recv_val 1 "$G1" dup)" 0 "alice's app: duplicate datagrams"
