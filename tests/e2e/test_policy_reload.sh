#!/bin/bash
# test_policy_reload - SIGHUP re-reads the policy while traffic flows.
# alice watches G1 and G4, carol G1, bob G2; four streams run throughout.
#   1. The new policy takes G1 from alice and G2 from everyone: alice's G1
#      and bob's G2 stop within 1 s, while alice's G4 and carol's G1 keep
#      flowing without a lost frame; nobody else wants G2, so (standalone)
#      the helper leaves it upstream.
#   2. A policy file with an error: the helper logs file:line, keeps the
#      policy in force, and delivery goes on.
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 G2=239.1.1.2 G4=239.1.1.4 N=2000 RATE=250

policy() { # ALICE-ALLOW DEFAULT-DENY
	printf 'policy = {\n  default = { allow = [ "239.1.0.0/16" ]; deny = [ %s ]; };\n' "$2"
	printf '  clients = ( { common_name = "alice"; allow = [ %s ]; } );\n};\n' "$1"
}
OM_HELPER_EXTRA=$(policy '"239.1.1.1", "239.1.1.4"' '')
om_mcast_setup 3 plugin
om_wait 5 "helper installed its data path on tap0" om_dp_installed
conf="$OM_OUT/helper.conf"
base=$(grep -v -e '^policy' -e '^  ' -e '^};' "$conf")

om_recv_start 1 "$G1"
om_recv_start 1 "$G4"
om_recv_start 2 "$G2"
om_recv_start 3 "$G1"
for g in "$G1" "$G2" "$G4"; do
	om_wait 10 "$g joined upstream" om_upstream_joined "$g"
done

# hup - SIGHUP to the helper; prints the time (us).
hup() {
	local p t
	p=$(om_helper_pids)
	[ -n "$p" ] || om_fail "no helper to signal"
	t=$(om_now_us)
	kill -HUP $p
	echo "$t"
}

for i in 1 2 3; do om_cap_start "$i"; done
k=0
for g in "$G1" "$G2" "$G4"; do
	k=$((k + 1))
	om_send_start "send$k" src "$g" "$N" "$RATE" eth0
done
om_wait 10 "alice's tap sees $G1 flowing" om_cap_frames_ge 1 "$G1" 300

# 1. Revoke.
{ echo "$base"; policy '"239.1.1.4"' '"239.1.1.2"'; } >"$conf.new"
mv "$conf.new" "$conf"
t1=$(hup)
om_wait 5 "helper drops alice's $G1" om_helper_lacks_member 1 "$G1"
om_wait 5 "helper drops bob's $G2" om_helper_lacks_member 2 "$G2"
if [ "$(om_feed)" = standalone ]; then
	om_wait 5 "$G2 left upstream (nobody may watch it now)" om_upstream_not_joined "$G2"
	om_assert_eq "$(om_upstream_joined "$G1" && echo joined)" joined "upstream $G1 (carol still watches)"
fi
grep -q "client [0-9]* (alice): $G1 revoked by the new policy (not_allowed, policy alice)" "$OM_OUT/server.log" ||
	om_fail "no log line for the revocation of alice's $G1"

# 2. A broken file: line 3 of the policy is bad.
sleep 1
bad_line=$(($(echo "$base" | wc -l) + 3))
{ echo "$base"; policy '"239.1.1.4", "10.1.1.1"' '"239.1.1.2"'; } >"$conf.new"
mv "$conf.new" "$conf"
t2=$(hup)
om_wait 5 "helper logs the bad file with file:line" \
	grep -q "SIGHUP: $conf:$bad_line: 'allow': \"10.1.1.1\" is not a multicast prefix.*the policy in force stays" "$OM_OUT/server.log"

for i in 1 2 3; do om_send_wait "send$i"; done
om_wait_quiet
for i in 1 2 3; do om_cap_stop "$i"; done
t1s=$((t1 + 1000000))
late1=$(om_cap_after 1 "$G1" "$t1s")
late2=$(om_cap_after 2 "$G2" "$t1s")
om_log "alice: $G1 $(om_cap_count 1 "$G1") frames, $late1 later than 1 s after the revoking SIGHUP; $G4 $(om_cap_count 1 "$G4") frames, $(om_cap_after 1 "$G4" "$t2") after the bad SIGHUP"
last1=$(awk -v g="$G1" '$2 == g && $3 == "udp" { split($1, a, "."); us = a[1] * 1000000 + a[2] } END { printf "%.0f\n", us }' "$OM_OUT/frames-c1.log")
om_log "alice's last $G1 frame came $(( (last1 - t1) / 1000 )) ms after the revoking SIGHUP"
om_assert_eq "$late1" 0 "alice's tap: $G1 frames later than 1 s after the revoke"
om_assert_eq "$late2" 0 "bob's tap: $G2 frames later than 1 s after the revoke"
om_assert_ge "$(om_cap_count 1 "$G1")" 300 "alice's tap: $G1 frames before the revoke"
om_assert_ge "$(om_cap_count 1 "$G4")" "$(om_pct_min "$N" 99)" "alice's tap: $G4 frames (kept through both reloads)"
om_assert_ge "$(om_cap_count 3 "$G1")" "$(om_pct_min "$N" 99)" "carol's tap: $G1 frames (alice's revoke is not carol's)"
om_assert_ge "$(om_cap_after 1 "$G4" "$t2")" 100 "alice's tap: $G4 frames after the bad reload"
om_assert_eq "$(om_cap_count 2 "$G1")" 0 "bob's tap: $G1 frames (never joined)"
om_assert_eq "$(om_status_client_by_mac 1 | cut -d, -f7)" "$G4" "status: alice's groups after both reloads"
