#!/bin/bash
# test_multi_instance - two OpenVPN instances on one host, as operators run
# them (UDP 1194 and a TCP 443 fallback), from the shipped sample configs
# with only port, proto and dev changed, and no nft_table, nflog_group or
# control_socket set: both load the one shipped openvpn-mcast.conf.
#   server A: udp4 1194 tap0: alice (joins G1), bob (joins nothing);
#   server B: tcp 443 tap1: carol (joins G2), dave (joins nothing).
# Both helpers join upstream on the same up0 (standalone; the kernel keeps
# the union); the source sends G1 and G2 there.
#   a) each helper derived its own table, nflog group (tc handle) and
#      socket, and neither logged a conflict;
#   b) alice gets >= 99 % of G1, carol >= 99 % of G2; bob, dave 0 group
#      frames, alice none of G2, carol none of G1;
#   c) the commands of README's "Running several instances": `status`
#      with no -s lists both sockets, -d TAP and -s SOCKET pick one;
#   d) each metrics file parses (promtool check metrics, else a strict
#      parser) and shows its own instance's figures.
# OM_PKG_PREFIX=/usr: run on the files a package installed there (helper,
# plugin, sample configs), as test_deb_package does.
# OM_DATAPATH=nflog|bpf forces the data path (default: the sample's auto).
# Test-only differences from the samples: certificates, addresses and pools
# (lib.sh), the plugin and helper paths (the build tree), /run/openvpn-mcast
# moved into the test's private directory (parallel tests), and
# upstream = "up0" (this kernel has no multicast routing for igmpproxy).
. "$(dirname "$0")/../lib.sh"

# Two streams at once into two servers and four clients: 200/s each keeps
# the shared 2-core CI machine from dropping UDP between OpenVPN processes.
G1=239.1.1.1 G2=239.1.1.2 N=400 RATE=200
RUNDIR=$OM_RUN/run
SAMPLES=$OM_ROOT/sample-config
if [ -n "${OM_PKG_PREFIX:-}" ]; then
	OM_HELPER=$OM_PKG_PREFIX/sbin/openvpn-mcast-helper
	OM_PLUGIN=$OM_PKG_PREFIX/lib/openvpn/plugins/openvpn-plugin-mcast.so
	SAMPLES=$OM_PKG_PREFIX/share/doc/openvpn-mcast/sample-config
	# The installed samples name the installed files.
	grep -qx "helper = \"$OM_HELPER\";" "$SAMPLES/openvpn-mcast.conf" ||
		om_fail "installed openvpn-mcast.conf does not name $OM_HELPER"
	grep -q "^plugin $OM_PLUGIN " "$SAMPLES/server.conf" ||
		om_fail "installed server.conf does not load $OM_PLUGIN"
	om_log "using the installed files under $OM_PKG_PREFIX"
fi

om_topo_mcast 4
om_need_built

# --- the configs ------------------------------------------------------------------
sed -e "s|^helper = .*|helper = \"$OM_HELPER\";|" \
	-e "s|/run/openvpn-mcast/|$RUNDIR/|g" \
	-e 's|^upstream = .*|upstream = "up0";|' \
	${OM_DATAPATH:+-e "s|^datapath = .*|datapath = \"$OM_DATAPATH\";|"} \
	"$SAMPLES/openvpn-mcast.conf" >"$OM_OUT/openvpn-mcast.conf"
# The sample's per-instance keys are used as shipped.
for key in control_socket nft_table nflog_group metrics_file; do
	grep "^$key = " "$OM_OUT/openvpn-mcast.conf" >>"$OM_OUT/keys.txt"
done
om_log "helper config keys: $(tr '\n' ' ' <"$OM_OUT/keys.txt")"

om_server_conf noplugin
# server_conf DEV PROTO PORT POOL STATUS - lib's base (certificates,
# addresses) plus the sample server.conf with dev/proto/port changed.
server_conf() {
	grep -v -e '^dev ' -e '^dev-type ' -e '^proto ' -e '^port ' -e '^server ' -e '^status ' \
		"$OM_OUT/server.conf"
	echo "server $4 255.255.255.0"
	echo "status $OM_OUT/$5 1"
	echo "proto $2"
	echo "port $3"
	sed -e "s|^dev tap0$|dev $1|" \
		-e "s|^plugin [^ ]*openvpn-plugin-mcast.so /etc/openvpn/openvpn-mcast.conf$|plugin $OM_PLUGIN $OM_OUT/openvpn-mcast.conf|" \
		"$SAMPLES/server.conf"
}
server_conf tap0 udp4 1194 10.8.0.0 status-a.txt >"$OM_OUT/server-a.conf"
grep -qx "plugin $OM_PLUGIN $OM_OUT/openvpn-mcast.conf" "$OM_OUT/server-a.conf" ||
	om_fail "the sample server.conf's plugin line was not found"
server_conf tap1 tcp-server 443 10.9.0.0 status-b.txt >"$OM_OUT/server-b.conf"

declare -A SRV_PID
start_server() { # NAME CONF LOG TAP
	ip netns exec "$(om_ns srv)" openvpn --config "$OM_OUT/$2" --log "$OM_OUT/$3" \
		</dev/null >/dev/null 2>&1 &
	SRV_PID[$1]=$!
	om_wait 20 "server $1 initialised ($3)" server_ready "$1" "$3" "$4"
	om_log "server $1 up (pid ${SRV_PID[$1]}, $4)"
}
server_ready() { # NAME LOG TAP
	om_alive "${SRV_PID[$1]}" || return 99
	grep -q 'Initialization Sequence Completed' "$OM_OUT/$2" 2>/dev/null &&
		"$OM_HELPER" status -c "$OM_OUT/openvpn-mcast.conf" -d "$3" --csv 2>/dev/null | grep -qx END
}
# server.log: lib's om_datapath reads server A's choice from there.
start_server A server-a.conf server.log tap0
start_server B server-b.conf server-b.log tap1
OM_SERVER_PID=${SRV_PID[A]} OM_SERVER_PLUGIN=1

om_client_start 1
om_client_start 2
OM_VPN_PORT=443 OM_SERVER_VPN=10.9.0.1 OM_CLIENT_EXTRA="proto tcp-client"
om_client_start 3
om_client_start 4
OM_VPN_PORT=1194 OM_SERVER_VPN=10.8.0.1 OM_CLIENT_EXTRA=""

# --- a) own table, group, socket; no conflict ---------------------------------
inst_line() { # LOG TAP - the helper's "instance" line
	grep -o "openvpn-mcast-helper: instance $2: .*" "$OM_OUT/$1" | tail -n 1
}
line_a=$(inst_line server.log tap0)
line_b=$(inst_line server-b.log tap1)
om_log "A: $line_a"
om_log "B: $line_b"
grep -q "nft_table openvpn_mcast_tap0, " <<<"$line_a" || om_fail "server A's table: $line_a"
grep -q "nft_table openvpn_mcast_tap1, " <<<"$line_b" || om_fail "server B's table: $line_b"
grp_a=$(sed -n 's/.*nflog_group \([0-9]*\),.*/\1/p' <<<"$line_a")
grp_b=$(sed -n 's/.*nflog_group \([0-9]*\),.*/\1/p' <<<"$line_b")
om_assert_eq "$grp_a" "$((1194 + $(om_nsx srv cat /sys/class/net/tap0/ifindex)))" "server A's nflog group"
om_assert_eq "$grp_b" "$((1194 + $(om_nsx srv cat /sys/class/net/tap1/ifindex)))" "server B's nflog group"
dp=$(om_datapath)
dp_b=$(sed -n 's/^.*openvpn-mcast-helper: datapath: \(bpf\|nflog\).*$/\1/p' "$OM_OUT/server-b.log" | tail -n 1)
om_assert_eq "$dp_b" "$dp" "server B's data path"
if [ "$dp" = bpf ]; then
	# Both helpers' filters on the one upstream, with distinct handles.
	handles=$(om_nsx srv tc filter show dev up0 ingress | grep -o 'handle 0x6d63[0-9a-f]*' | sort -u)
	om_assert_eq "$(wc -l <<<"$handles")" 2 "tc filters on up0 ingress ($(tr '\n' ' ' <<<"$handles"))"
	om_tc_filter_present tap0 egress || om_fail "no tc filter on tap0"
	om_tc_filter_present tap1 egress || om_fail "no tc filter on tap1"
else
	om_nsx srv nft list table netdev openvpn_mcast_tap0 >/dev/null || om_fail "no table openvpn_mcast_tap0"
	om_nsx srv nft list table netdev openvpn_mcast_tap1 >/dev/null || om_fail "no table openvpn_mcast_tap1"
fi
om_log "ok: data path $dp on both; groups $grp_a and $grp_b"
conflicts=$(grep -ihE 'conflict|in use|set another|cannot start|refus' \
	"$OM_OUT/server.log" "$OM_OUT/server-b.log" || true)
om_assert_eq "$conflicts" "" "conflict lines in the servers' logs"

# --- c) status without -s: README's "Running several instances" commands -----
# Each command of that section's ```sh block, run with the helper and
# config under test ("-c CONFIG" added, /run/openvpn-mcast made private).
awk '/^## Running several instances$/ { s = 1; next } /^## / { s = 0 }
	s && /^```sh$/ { b = 1; next } s && /^```$/ { b = 0; next } s && b && NF' \
	"$OM_ROOT/README.md" >"$OM_OUT/readme-commands.txt"
om_assert_eq "$(grep -c '^openvpn-mcast-helper status' "$OM_OUT/readme-commands.txt")" 3 \
	"status commands in README's Running several instances"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	run=${cmd/#openvpn-mcast-helper status/$OM_HELPER status -c $OM_OUT/openvpn-mcast.conf}
	run=${run//\/run\/openvpn-mcast\//$RUNDIR/}
	rc=0
	bash -c "$run" >"$OM_OUT/readme-$n.out" 2>"$OM_OUT/readme-$n.err" || rc=$?
	if [ "$cmd" = "openvpn-mcast-helper status" ]; then
		# Two helpers run: it lists their sockets and reads neither.
		om_assert_eq "$rc" 1 "exit status of: $cmd"
		om_assert_eq "$(grep -c '\.sock$' "$OM_OUT/readme-$n.err")" 2 "sockets listed by: $cmd"
		grep -q "^  $RUNDIR/tap0.sock$" "$OM_OUT/readme-$n.err" || om_fail "tap0's socket not listed"
		grep -q "^  $RUNDIR/tap1.sock$" "$OM_OUT/readme-$n.err" || om_fail "tap1's socket not listed"
	else
		om_assert_eq "$rc" 0 "exit status of: $cmd ($(cat "$OM_OUT/readme-$n.err"))"
		grep -qx END "$OM_OUT/readme-$n.out" || om_fail "no status from: $cmd"
	fi
done <"$OM_OUT/readme-commands.txt"
clients_of() { # TAP
	"$OM_HELPER" status -c "$OM_OUT/openvpn-mcast.conf" -d "$1" --csv |
		awk -F, '$1 == "CLIENT" { print $3 }' | sort | tr '\n' ' '
}
om_assert_eq "$(clients_of tap0)" "alice bob " "clients of the tap0 helper"
om_assert_eq "$(clients_of tap1)" "carol dave " "clients of the tap1 helper"

# --- b) delivery --------------------------------------------------------------------
OM_CTL_SOCK=$RUNDIR/tap0.sock
om_recv_start 1 "$G1"
OM_CTL_SOCK=$RUNDIR/tap1.sock
om_recv_start 3 "$G2"
OM_CTL_SOCK=$RUNDIR/tap0.sock
om_mcast_burst "$N" "$RATE" "$G1" "$G2"
min=$(om_pct_min "$N" 99)
for i in 1 2 3 4; do
	om_log "${OM_CLIENT_CN[i]}: $G1 $(om_cap_count "$i" "$G1"), $G2 $(om_cap_count "$i" "$G2"), routed $(om_cap_routed "$i")"
done
om_assert_ge "$(om_cap_count 1 "$G1")" "$min" "alice (tap0, udp): frames of $G1"
om_assert_eq "$(om_cap_count 1 "$G2")" 0 "alice: frames of $G2"
om_assert_ge "$(om_cap_count 3 "$G2")" "$min" "carol (tap1, tcp): frames of $G2"
om_assert_eq "$(om_cap_count 3 "$G1")" 0 "carol: frames of $G1"
om_assert_eq "$(om_cap_routed 2)" 0 "bob (tap0, no group): group frames"
om_assert_eq "$(om_cap_routed 4)" 0 "dave (tap1, no group): group frames"

# --- d) metrics ---------------------------------------------------------------------------
# metric FILE NAME LABELS - the value of one sample, or empty.
metric() {
	awk -v k="$2${3:-}" '$1 == k { print $2 }' "$1"
}
copies_ge() { # FILE GROUP MIN
	local v
	v=$(metric "$1" openvpn_mcast_copies_out_total "{group=\"$2\"}")
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}
# Rewritten every status_interval (10 s in the sample).
om_wait 25 "tap0.prom counts the copies of $G1" copies_ge "$RUNDIR/tap0.prom" "$G1" "$min"
om_wait 25 "tap1.prom counts the copies of $G2" copies_ge "$RUNDIR/tap1.prom" "$G2" "$min"
for tap in tap0 tap1; do
	f=$RUNDIR/$tap.prom
	cp "$f" "$OM_OUT/$tap.prom"
	om_prom_check "$f" || om_fail "$tap.prom does not parse (see $tap.prom)"
	om_assert_eq "$(metric "$f" openvpn_mcast_clients)" 2 "$tap.prom: openvpn_mcast_clients"
	om_assert_eq "$(stat -c %a "$f")" 644 "$tap.prom mode"
done
om_assert_eq "$(metric "$RUNDIR/tap0.prom" openvpn_mcast_members "{group=\"$G1\"}")" 1 "tap0.prom: members of $G1"
om_assert_eq "$(metric "$RUNDIR/tap0.prom" openvpn_mcast_members "{group=\"$G2\"}")" "" "tap0.prom: members of $G2"
om_assert_eq "$(metric "$RUNDIR/tap1.prom" openvpn_mcast_members "{group=\"$G2\"}")" 1 "tap1.prom: members of $G2"
bytes_bob=$(awk '$1 ~ /^openvpn_mcast_client_bytes_out_total\{client="bob",/ { print $2 }' "$RUNDIR/tap0.prom")
om_assert_eq "$bytes_bob" 0 "tap0.prom: bytes out to bob"
# Per member and group: alice's copies of G1 are counted; bob, no member, has no series.
bytes_alice=$(awk -v g="group=\"$G1\"}" '$1 ~ /^openvpn_mcast_bytes_out_total\{client="alice",/ && index($1, g) { print $2 }' "$RUNDIR/tap0.prom")
om_assert_ge "$bytes_alice" "$((min * 200))" "tap0.prom: bytes of $G1 out to alice"
om_assert_eq "$(grep -c '^openvpn_mcast_bytes_out_total{client="bob",' "$RUNDIR/tap0.prom")" 0 \
	"tap0.prom: series of bob's groups"
om_log "ok: metrics files parse ($(om_prom_checker))"

om_recv_stop 1 "$G1"
om_recv_stop 3 "$G2"

# Stopping one instance leaves the other's socket, and removes its own files.
kill -TERM "${SRV_PID[B]}"
om_wait 20 "server B exits" om_not_alive "${SRV_PID[B]}"
[ ! -e "$RUNDIR/tap1.sock" ] || om_fail "server B's socket left behind"
[ ! -e "$RUNDIR/tap1.prom" ] || om_fail "server B's metrics file left behind"
[ -S "$RUNDIR/tap0.sock" ] || om_fail "server A's socket went away with server B"
"$OM_HELPER" status -c "$OM_OUT/openvpn-mcast.conf" --csv >"$OM_OUT/status-one.out" 2>"$OM_OUT/status-one.err" ||
	om_fail "status without -s and one helper failed: $(cat "$OM_OUT/status-one.err")"
grep -q "status of $RUNDIR/tap0.sock" "$OM_OUT/status-one.err" || om_fail "status does not say which socket it read"
grep -qx END "$OM_OUT/status-one.out" || om_fail "status without -s: no report"
om_log "ok: $(cat "$OM_OUT/status-one.err")"
