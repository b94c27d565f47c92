#!/bin/bash
# test_mgmt_lines - what an operator sees on OpenVPN's management interface:
# one plugin line per client at connect and at disconnect, key=value:
#   PLUGIN openvpn-mcast: event=connect id=N cn=CN ip=POOL real=IP:PORT policy=RULE
# (RULE: the client's own policy entry, here bob's, or "default")
#   PLUGIN openvpn-mcast: event=disconnect id=N cn=CN frames=F bytes=B groups=G1,G2
# in the history (`log all`) and live (`log on`, as >LOG: lines).
. "$(dirname "$0")/../lib.sh"

G1=239.1.1.1 N=300 RATE=300 MPORT=7505

OM_SERVER_EXTRA="management 127.0.0.1 $MPORT"
OM_HELPER_EXTRA='policy = { clients = ( { common_name = "bob"; max_groups = 8; } ); };'
om_mcast_setup 3 plugin

# mgmt_cmd CMD - send one command to the management port and print the
# answer, up to its closing END line.
mgmt_cmd() {
	om_nsx srv timeout 5 bash -c '
		exec 3<>/dev/tcp/127.0.0.1/'"$MPORT"' || exit 1
		printf "%s\n" "$1" >&3
		while IFS= read -r l <&3; do
			printf "%s\n" "${l%$'"'\\r'"'}"
			[ "${l%$'"'\\r'"'}" = END ] && break
		done
		printf "quit\n" >&3' _ "$1"
}

history=$(mgmt_cmd "log all")
printf '%s\n' "$history" >"$OM_OUT/mgmt-log-all.txt"
for i in 1 2 3; do
	cn=${OM_CLIENT_CN[i]}
	id=$(om_status_field "$cn" 2)
	line=$(grep -F "PLUGIN openvpn-mcast: event=connect id=$id " <<<"$history" | head -n 1 || true)
	[ -n "$line" ] || om_fail "log all: no connect line for $cn (id $id); see mgmt-log-all.txt"
	rule=default
	[ "$cn" != bob ] || rule=bob
	want="event=connect id=$id cn=$cn ip=$(om_if_ipv4 "c$i" tap0) real=$(om_client_real_addr "$i") policy=$rule"
	om_assert_eq "${line#*PLUGIN openvpn-mcast: }" "$want" "connect line of $cn"
done

# A live listener, as an operator after `log on`.
om_bg mgmt srv timeout 30 bash -c '
	exec 3<>/dev/tcp/127.0.0.1/'"$MPORT"' || exit 1
	printf "log on\n" >&3
	cat <&3'
om_wait 5 "live management listener attached" om_bg_alive_grep mgmt 'SUCCESS: real-time log notification set to ON'

# alice is a member of G1 and gets traffic, then her OpenVPN stops without
# an IGMP leave: her disconnect line must carry what she had.
om_recv_start 1 "$G1"
om_wait 10 "$G1 joined upstream" om_upstream_joined "$G1"
om_mcast_burst "$N" "$RATE" "$G1"
alice_id=$(om_status_field alice 2)
frames=$(om_status_field alice 8)
bytes=$(om_status_field alice 9)
om_assert_ge "$frames" "$(om_pct_min "$N" 99)" "frames the helper sent alice"
om_client_stop 1 TERM
om_wait 10 "alice gone from the helper's status" om_status_lacks_client alice
want="event=disconnect id=$alice_id cn=alice frames=$frames bytes=$bytes groups=$G1"
disc_live() { grep -qF ">LOG:" "$OM_OUT/mgmt.out" && grep -qF "PLUGIN openvpn-mcast: event=disconnect id=$alice_id " "$OM_OUT/mgmt.out"; }
om_wait 5 "live >LOG: disconnect line for alice" disc_live
line=$(grep -F "PLUGIN openvpn-mcast: event=disconnect id=$alice_id " "$OM_OUT/mgmt.out" | head -n 1 || true)
case "$line" in ">LOG:"*) ;; *) om_fail "live line is not a >LOG: notification: $line" ;; esac
om_assert_eq "$(printf '%s' "${line#*PLUGIN openvpn-mcast: }" | tr -d '\r')" "$want" "live disconnect line of alice"
om_recv_stop 1 "$G1"
# OpenVPN serves one management client at a time.
om_bg_stop mgmt
history=$(mgmt_cmd "log all")
grep -qF "PLUGIN openvpn-mcast: $want" <<<"$history" || om_fail "log all lacks: $want"
om_log "ok: log all has alice's disconnect line"
