#!/bin/bash
# test_policy_select - per-client policy decides delivery.
# policy: the default allows 239.1.0.0/16; alice may have 239.1.1.0/24 but
# not 239.1.1.2 (deny beats allow); carol may hold 1 group.
#   alice joins G1 and G2  -> gets G1 only, 0 frames of G2 while bob watches it
#   bob   joins G2         -> gets G2
#   carol joins G1 and G3  -> gets G1; G3 (beyond max_groups) is refused
# Refused joins are counted per client and reason in the status, and the
# matched policy entry is shown.  In standalone mode a refused join never
# makes the helper join upstream: nobody else wants G3, so G3 is not joined.
# (test_igmpproxy_policy_select runs this with igmpproxy, in the VM.)
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 G3=239.1.2.3 N=1000 RATE=500

OM_HELPER_EXTRA='policy = {
  default = { allow = [ "239.1.0.0/16" ]; };
  clients = (
    { common_name = "alice"; allow = [ "239.1.1.0/24" ]; deny = [ "239.1.1.2/32" ]; },
    { common_name = "carol"; max_groups = 1; }
  );
};'
om_mcast_setup 3 plugin
om_wait 5 "helper installed its data path on tap0" om_dp_installed

# refused_recv_start I GROUP - client I joins GROUP (its kernel reports
# it); the helper must not list it, so only the client's join is awaited.
refused_recv_start() {
	local name="recv-c$1-$2"
	om_bg "$name" "c$1" "$OM_TOOLS/mcrecv" -g "$2" -p "$OM_MC_PORT" -i tap0
	om_wait 5 "$name joined" om_bg_alive_grep "$name" '^joined '
}
# refused I COLUMN - client I's refusals in CLIENT column COLUMN > 0.
refused() {
	local n
	n=$(om_status_client_by_mac "$1" | cut -d, -f"$2")
	[ "${n:-0}" -gt 0 ]
}

om_recv_start 1 "$G1"
om_recv_start 2 "$G2"
om_recv_start 3 "$G1"
refused_recv_start 1 "$G2"
refused_recv_start 3 "$G3"
# CLIENT columns: 11 Policy, 12 Refused Not Allowed, 13 Refused Denied,
# 14 Refused Max Groups, 15 Refused Max Sources.
om_wait 5 "alice's join of $G2 counted as denied" refused 1 13
om_wait 5 "carol's join of $G3 counted as over max_groups" refused 3 14
for g in "$G1" "$G2"; do
	om_wait 10 "$g joined upstream" om_upstream_joined "$g"
done
om_assert_eq "$(om_status_client_by_mac 1 | cut -d, -f7)" "$G1" "status: alice's groups"
om_assert_eq "$(om_status_client_by_mac 3 | cut -d, -f7)" "$G1" "status: carol's groups"
om_assert_eq "$(om_status_field alice 11)" alice "status: alice's policy entry"
om_assert_eq "$(om_status_field bob 11)" default "status: bob's policy entry"
om_assert_eq "$(om_status_field carol 11)" carol "status: carol's policy entry"
om_assert_eq "$(om_status_field bob 12),$(om_status_field bob 13),$(om_status_field bob 14)" 0,0,0 "status: bob's refusals"
grep -q "client [0-9]* (alice): $G2 refused: in its deny list (policy alice)" "$OM_OUT/server.log" ||
	om_fail "no log line for alice's refused join of $G2"
grep -q "client [0-9]* (carol): $G3 refused: max_groups reached (1, policy carol)" "$OM_OUT/server.log" ||
	om_fail "no log line for carol's refused join of $G3"
if [ "$(om_feed)" = standalone ]; then
	om_assert_eq "$(om_upstream_igmp "$G3")" "" "upstream membership of $G3 (only a refused client asked)"
fi

om_mcast_burst "$N" "$RATE" "$G1" "$G2" "$G3"
min=$(om_pct_min "$N" 99)
om_recv_stop 1 "$G1"
om_recv_stop 3 "$G1"
om_recv_stop 2 "$G2"
om_recv_stop 1 "$G2"
om_recv_stop 3 "$G3"
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice's tap: frames of $G1 (allowed)"
om_assert_eq "$(om_cap_count 1 "$G2")" 0 "alice's tap: frames of $G2 (denied, while bob watches it)"
om_assert_ge "$(om_cap_count 2 "$G2")" "$min" "bob's tap: frames of $G2"
om_assert_ge "$(om_cap_count 3 "$G1")" "$min" "carol's tap: frames of $G1"
om_assert_eq "$(om_cap_count 3 "$G3")" 0 "carol's tap: frames of $G3 (beyond her max_groups)"
om_assert_eq "$(om_cap_count 2 "$G1")" 0 "bob's tap: frames of $G1 (not joined)"
om_assert_ge "$(om_recv_val 1 "$G1" unique)" "$min" "alice's app: datagrams of $G1"
om_assert_eq "$(om_recv_val 1 "$G2" received)" 0 "alice's app: datagrams of $G2"
om_log "frames: alice G1=$(om_cap_count 1 "$G1") G2=$(om_cap_count 1 "$G2"); bob G2=$(om_cap_count 2 "$G2"); carol G1=$(om_cap_count 3 "$G1") G3=$(om_cap_count 3 "$G3")"
