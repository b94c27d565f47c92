#!/bin/bash
# test_startup_errors - when the helper cannot do its job, the plugin fails
# to load and OpenVPN's log says why, in words an operator can act on:
#   a) a config error is reported as file:line: message;
#   b) the nftables table name is already taken by something else;
#   c) the nflog group already has a listener;
#   d) the helper lacks CAP_NET_RAW; with datapath = "bpf", it cannot load
#      the tc programs (no CAP_BPF/CAP_SYS_ADMIN), while datapath = "auto"
#      then starts on the nflog path and says why;
#   e) the standalone upstream interface does not exist;
#   f) `openvpn-mcast-helper -t` names the mode, and warns when no multicast
#      router can run on this kernel and no upstream is set.
# (A tun device: test_plugin_tun_refused.)
# Each time OpenVPN must stop, and leave no helper process behind.
. "$(dirname "$0")/../lib.sh"

om_need_built
om_topo_vpn 1

# expect_refusal WHAT PATTERN - start the server (config already written),
# expect it to exit on its own, and its log to match PATTERN.
expect_refusal() {
	local what=$1 pattern=$2 rc=0
	# shellcheck disable=SC2086
	om_nsx srv timeout 20 ${OM_SERVER_PREFIX:-} openvpn --config "$OM_OUT/server.conf" \
		--log "$OM_OUT/server-$what.log" </dev/null >/dev/null 2>&1 || rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
		om_fail "$what: OpenVPN did not refuse to start (exit $rc; see server-$what.log)"
	grep -qE -- "$pattern" "$OM_OUT/server-$what.log" ||
		om_fail "$what: OpenVPN's log lacks /$pattern/ (see server-$what.log)"
	om_log "ok: $what: refused, log says: $(grep -m1 -E -- "$pattern" "$OM_OUT/server-$what.log" | cut -c1-160)"
	local p
	for p in $(ip netns pids "$(om_ns srv)"); do
		case "$(readlink "/proc/$p/exe" 2>/dev/null)" in
		"$OM_HELPER" | */openvpn) om_fail "$what: process $p left behind: $(tr '\0' ' ' <"/proc/$p/cmdline")" ;;
		esac
	done
}

# a) config error, on line 3
OM_HELPER_EXTRA='
bogus_key = 1;'
om_server_conf plugin
expect_refusal config "PLUGIN openvpn-mcast: .*helper\.conf:[0-9]+: unknown key 'bogus_key'"
line=$(grep -n bogus_key "$OM_OUT/helper.conf" | cut -d: -f1)
grep -q "helper.conf:$line: unknown key" "$OM_OUT/server-config.log" ||
	om_fail "config: the error names a line other than $line"
unset OM_HELPER_EXTRA

# b) and c) concern the nflog data path (the bpf path uses neither).
OM_DATAPATH=nflog
om_server_conf plugin

# b) someone else's table of the same name
om_nsx srv nft add table netdev "$OM_NFT_TABLE"
expect_refusal table "PLUGIN openvpn-mcast: helper failed: cannot start: divert: nftables table netdev $OM_NFT_TABLE already exists and is not ours"
om_nsx srv nft list table netdev "$OM_NFT_TABLE" >/dev/null ||
	om_fail "table: the foreign table was removed"
om_nsx srv nft delete table netdev "$OM_NFT_TABLE"

# c) another listener on the nflog group
om_bg nflogger srv tcpdump -i "nflog:$OM_NFLOG_GROUP" -w /dev/null
nflog_taken() { om_nsx srv grep -qE "^ *$OM_NFLOG_GROUP " /proc/net/netfilter/nfnetlink_log; }
om_wait 5 "tcpdump listens on nflog group $OM_NFLOG_GROUP" nflog_taken
expect_refusal nflog "PLUGIN openvpn-mcast: helper failed: cannot start: capture: nflog group $OM_NFLOG_GROUP already has a listener"
om_bg_stop nflogger
unset OM_DATAPATH
om_server_conf plugin

# d) no CAP_NET_RAW (dropped from the bounding set before OpenVPN starts)
OM_SERVER_PREFIX="setpriv --bounding-set=-net_raw"
expect_refusal caps "PLUGIN openvpn-mcast: helper failed: cannot start: .*CAP_NET_RAW"

# d') the tc programs cannot load: refused when bpf is asked for, nflog
# with the reason under auto.
OM_SERVER_PREFIX="setpriv --bounding-set=-bpf,-sys_admin,-perfmon"
OM_DATAPATH=bpf
om_server_conf plugin
expect_refusal bpf "PLUGIN openvpn-mcast: helper failed: cannot start: datapath: bpf configured, but the tc programs do not load"
unset OM_DATAPATH
om_server_conf plugin
om_server_start plugin
grep -q 'openvpn-mcast-helper: datapath: nflog, because the tc programs do not load' "$OM_OUT/server.log" ||
	om_fail "auto without CAP_BPF: no 'datapath: nflog, because ...' line in server.log"
om_log "ok: auto without CAP_BPF: $(grep -o 'datapath: nflog, because.*' "$OM_OUT/server.log" | head -n 1)"
om_server_stop
unset OM_SERVER_PREFIX


# e) standalone upstream on an interface that is not there
OM_HELPER_EXTRA='upstream = "nosuch0";'
om_server_conf plugin
expect_refusal upstream "PLUGIN openvpn-mcast: helper failed: cannot start: upstream interface nosuch0 does not exist"
unset OM_HELPER_EXTRA

# f) the mode as `-t` reports it
printf 'upstream = "eth0";\n' >"$OM_OUT/standalone.conf"
out=$("$OM_HELPER" -t -c "$OM_OUT/standalone.conf" 2>&1) || om_fail "-t refused standalone.conf: $out"
grep -q 'mode: standalone on eth0' <<<"$out" || om_fail "-t with upstream: no mode line in: $out"
om_log "ok: -t with upstream: $(tail -n 1 <<<"$out")"
: >"$OM_OUT/empty.conf"
err=$("$OM_HELPER" -t -c "$OM_OUT/empty.conf" 2>&1 >/dev/null) || om_fail "-t refused an empty config"
if om_kernel_mroute; then
	[ -z "$err" ] || om_fail "-t warns on a kernel that can route multicast: $err"
else
	grep -q 'no multicast routing (CONFIG_IP_MROUTE' <<<"$err" && grep -q 'upstream = "IFNAME"' <<<"$err" ||
		om_fail "-t on this kernel (no multicast routing) lacks the cause or the remedy: $err"
	om_log "ok: -t warns: $err"
fi
