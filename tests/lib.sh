# shellcheck shell=bash
# tests/lib.sh - shared library of the end-to-end tests (bash only).
#
# A test does:   . "$(dirname "$0")/../lib.sh"
#
# and then builds what it needs out of network namespaces that this library
# creates and ALWAYS removes again (EXIT/INT/TERM trap): every process left in
# one of our namespaces is killed, then the namespace is deleted.  Namespace
# names start with "om<pid>-", so parallel runs never collide.  Interface
# names are short fixed names (eth0, up0, tap0) because each lives in its own
# namespace.
#
# Topology (addresses are private and exist only inside our namespaces):
#   om_topo_vpn N     "wan" namespace with a bridge, a VPN server namespace
#                     "srv" (172.16.0.1) and N client namespaces c1..cN
#                     (172.16.0.1<i>), all on the bridge; PKI for all
#                     (self-signed EC certificates, peer-fingerprint).
#   om_topo_source    a multicast source namespace "src" (10.99.0.2/24) on a
#                     veth to the server namespace (up0, 10.99.0.1/24).
#   om_topo_mcast N   both, plus the C tools.
#   om_mcast_setup N plugin|noplugin [noigmpproxy]
#                     all of it running: server, N clients, and the feed:
#                     igmpproxy where the kernel can route multicast, else
#                     the helper's standalone upstream on up0 (om_feed).
# OpenVPN:   om_server_start [plugin|noplugin], om_server_stop,
#            om_client_start I, om_client_stop I [SIGNAL]
#            (clients are alice, bob, carol, ... = c1, c2, c3, ...)
# Helper:    om_status, om_status_client CN, om_status_field CN N,
#            om_status_group G, om_wait_status, om_nft_table_present
# Multicast: om_igmpproxy_start, om_smcroute_start G...,
#            om_recv_start I G [SOURCE] / om_recv_leave / om_recv_stop /
#            om_recv_val (mcrecv in client I, joined on its tap0),
#            om_cap_start I / om_cap_stop / om_cap_count / om_cap_routed /
#            om_cap_after (tapcount: frames arriving on client I's tap0),
#            om_send_start / om_send_wait / om_send_val (mcsend),
#            om_mcast_burst N RATE G... (capture on all taps while sending)
#            tests/tools/igmpsend crafts single IGMP messages (see its header)
# Checks:    om_assert_eq/ge/le, om_fail, om_wait SECS WHAT CMD...
# Knobs:     OM_SERVER_EXTRA, OM_CLIENT_EXTRA (config lines appended),
#            OM_SERVER_PREFIX (e.g. "prlimit --nproc=10:10": wraps openvpn),
#            OM_HELPER_EXTRA (helper config lines appended)
#
# All logs go to tests/out/<test name>/.  Time-dependent checks poll with a
# deadline (om_wait), never sleep-and-hope.

set -eu -o pipefail
export LC_ALL=C

OM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# OM_TEST_NAME: a wrapper that runs another test's scenario under its own
# name (e.g. with OM_FEED=igmpproxy) keeps its own logs.
OM_TEST=${OM_TEST_NAME:-$(basename "$0" .sh)}
OM_OUT="$OM_ROOT/tests/out/$OM_TEST"
OM_PFX="om$$"
OM_HELPER="$OM_ROOT/helper/openvpn-mcast-helper"
OM_PLUGIN="$OM_ROOT/plugin/openvpn-plugin-mcast.so"
OM_TOOLS="$OM_ROOT/tests/tools"
OM_NFT_TABLE=openvpn_mcast
OM_NFLOG_GROUP=1194
OM_VPN_PORT=1194
OM_SERVER_WAN=172.16.0.1
OM_SERVER_VPN=10.8.0.1
OM_SRC_ADDR=10.99.0.2
OM_SRC_NET=10.99.0.0/24

OM_RUN=""            # private directory for sockets (set below)
OM_UPSTREAM=""       # the helper's standalone upstream interface, if any
OM_CTL_SOCK=""
OM_NS_LIST=()        # full names of the namespaces we created
OM_SERVER_PID=""
OM_SERVER_PLUGIN=0   # 1 when the running server loads the plugin
OM_NCLIENTS=0
# OM_CLIENT_CN: certificate common name; OM_CLIENT_ID: name of its files
# (the same unless a test gives two clients one CN, see om_client_set_cn).
declare -a OM_CLIENT_CN=() OM_CLIENT_ID=() OM_CLIENT_PID=()
declare -A OM_BG_PID=()   # name -> pid of background helpers (recv, cap...)

rm -rf "$OM_OUT"
mkdir -p "$OM_OUT"

# ---------------------------------------------------------------------------
# Logging and assertions

om_log() {
	printf '%s %s\n' "$(date +%T.%3N)" "$*" >&2
}

# om_fail MESSAGE - fail the test now (the EXIT trap cleans up).
om_fail() {
	printf '%s FAIL: %s\n' "$(date +%T.%3N)" "$*" >&2
	exit 1
}

# om_assert_eq ACTUAL EXPECTED WHAT
om_assert_eq() {
	if [ "$1" != "$2" ]; then
		om_fail "$3: got '$1', expected '$2'"
	fi
	om_log "ok: $3 = '$1'"
}

# om_assert_ge ACTUAL MIN WHAT  (integers)
om_assert_ge() {
	if ! [ "$1" -ge "$2" ] 2>/dev/null; then
		om_fail "$3: got '$1', expected >= $2"
	fi
	om_log "ok: $3 = $1 (>= $2)"
}

# om_assert_le ACTUAL MAX WHAT  (integers)
om_assert_le() {
	if ! [ "$1" -le "$2" ] 2>/dev/null; then
		om_fail "$3: got '$1', expected <= $2"
	fi
	om_log "ok: $3 = $1 (<= $2)"
}

# om_pct_min N PERCENT - smallest count that is PERCENT % of N (rounded up).
om_pct_min() {
	echo $((($1 * $2 + 99) / 100))
}

# om_now_us - wall clock in microseconds (same clock as the C tools).
om_now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

# om_wait SECONDS DESCRIPTION CMD... - run CMD every 50 ms until it succeeds.
# Fails the test when the deadline passes.  CMD returning 99 aborts at once
# (the process being waited for has died; 99 because grep & co. use 1 and 2).
om_wait() {
	local secs=$1 what=$2 rc
	shift 2
	local deadline=$(($(om_now_us) + secs * 1000000))
	while :; do
		rc=0
		"$@" || rc=$?
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -eq 99 ] && om_fail "$what: gave up (process died)"
		[ "$(om_now_us)" -ge "$deadline" ] && om_fail "timed out after ${secs}s: $what"
		sleep 0.05
	done
}

# om_try_wait USECONDS CMD... - like om_wait, deadline in microseconds, but
# returns 1 on timeout instead of failing.
om_try_wait() {
	local deadline=$(($(om_now_us) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(om_now_us)" -ge "$deadline" ] && return 1
		sleep 0.02
	done
}

# om_alive PID - true while PID exists and is not a zombie.
om_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# om_skip REASON - this test cannot run here: exit 77, which run-all.sh
# counts as skipped (never as passed), with REASON on its SKIP line.
om_skip() {
	printf '%s SKIP: %s\n' "$(date +%T.%3N)" "$*" >&2
	exit 77
}

# om_kernel_mroute - true when the kernel can route multicast
# (CONFIG_IP_MROUTE): igmpproxy and smcroute need it.
om_kernel_mroute() {
	[ -e /proc/net/ip_mr_vif ]
}

# om_need_mroute WHY - skip unless the kernel can route multicast.  Every
# test that needs it says so with this one line (grep om_need_mroute).
om_need_mroute() {
	om_kernel_mroute ||
		om_skip "needs kernel multicast routing (CONFIG_IP_MROUTE), which kernel $(uname -r) lacks: $*"
}

# om_need_file PATH WHAT - fail early with a clear message if PATH is missing.
om_need_file() {
	[ -e "$1" ] || om_fail "$2 not found: $1 (run 'make' first)"
}

# om_need_built - the plugin and helper binaries exist.
om_need_built() {
	om_need_file "$OM_PLUGIN" "plugin"
	om_need_file "$OM_HELPER" "helper"
}

# om_need_tools NAME... - the C test tools exist (built by tests/run-all.sh
# or by `make tests/tools/NAME`); build them if they don't.
om_need_tools() {
	local t missing=()
	for t in "$@"; do
		[ -x "$OM_TOOLS/$t" ] || missing+=("tests/tools/$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		make -C "$OM_ROOT" --no-print-directory "${missing[@]}" >&2 ||
			om_fail "cannot build ${missing[*]}"
	fi
}

# ---------------------------------------------------------------------------
# Cleanup

# om_kill_all_in_ns NS... - TERM every process in the namespaces, then KILL
# what is still there after 3 s.  All namespaces at once: OpenVPN clients
# take a second to send their exit notification, and that adds up.
om_kill_all_in_ns() {
	local ns pids
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null) || continue
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
	done
	om_ns_wait_empty 60 "$@" && return 0
	om_log "cleanup: killing stubborn processes:$OM_NS_LEFT"
	# shellcheck disable=SC2086
	kill -KILL $OM_NS_LEFT 2>/dev/null || true
	om_ns_wait_empty 40 "$@" || true
}

# om_ns_wait_empty TRIES NS... - poll every 50 ms until no process is left
# in the namespaces; false after TRIES polls, leaving the pids in OM_NS_LEFT.
om_ns_wait_empty() {
	local tries=$1 i ns
	shift
	for ((i = 0; i < tries; i++)); do
		OM_NS_LEFT=""
		for ns in "$@"; do
			OM_NS_LEFT="$OM_NS_LEFT $(ip netns pids "$ns" 2>/dev/null || true)"
		done
		[ -n "${OM_NS_LEFT// /}" ] || return 0
		sleep 0.05
	done
	return 1
}

# om_dump_diag - on failure, the few lines most likely to explain it.
# Full logs stay in tests/out/<test>/.
om_dump_diag() {
	local f
	om_log "diagnostics (full logs in ${OM_OUT#"$OM_ROOT"/}/):"
	if [ -S "$OM_CTL_SOCK" ]; then
		"$OM_HELPER" status -s "$OM_CTL_SOCK" 2>&1 | sed 's/^/  status: /' >&2 || true
	fi
	for f in "$OM_OUT"/server.log; do
		[ -f "$f" ] || continue
		grep -iE 'plugin|helper|mcast|error|fatal' "$f" | tail -n 12 |
			sed "s|^|  $(basename "$f"): |" >&2 || true
	done
}

om_cleanup() {
	local rc=$? ns i
	set +e
	trap - EXIT INT TERM
	[ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && om_dump_diag
	# Stop background jobs we started in the root namespace first.
	for i in "${!OM_BG_PID[@]}"; do
		kill -TERM "${OM_BG_PID[$i]}" 2>/dev/null
	done
	[ ${#OM_NS_LIST[@]} -eq 0 ] || om_kill_all_in_ns "${OM_NS_LIST[@]}"
	for ns in "${OM_NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null || om_log "cleanup: cannot delete netns $ns"
	done
	wait 2>/dev/null
	[ -z "${OM_RUN:-}" ] || rm -rf "$OM_RUN"
	if [ "$rc" -eq 0 ]; then
		om_log "$OM_TEST: PASS"
	elif [ "$rc" -eq 77 ]; then
		om_log "$OM_TEST: SKIP"
	else
		om_log "$OM_TEST: FAIL (exit $rc)"
	fi
	exit "$rc"
}
trap om_cleanup EXIT
trap 'om_log "interrupted"; exit 130' INT
trap 'om_log "terminated"; exit 143' TERM

# Control socket paths must fit in sun_path (108 bytes); a CI checkout can
# live deep in the file system, so sockets go to a short private directory.
OM_RUN=$(mktemp -d /tmp/om.XXXXXX)
OM_CTL_SOCK="$OM_RUN/ctl.sock"
# OM_HELPER_USER=nobody: the helper runs as that user after setup (its
# `user` key); its socket goes to a directory it creates for that user.
if [ -n "${OM_HELPER_USER:-}" ]; then
	chmod 711 "$OM_RUN"
	OM_CTL_SOCK="$OM_RUN/helper/ctl.sock"
fi

# ---------------------------------------------------------------------------
# Namespaces and links

# om_ns SHORT - full namespace name for SHORT (srv, wan, c1, ...).
om_ns() {
	echo "$OM_PFX-$1"
}

# om_nsx SHORT CMD... - run CMD inside namespace SHORT.
om_nsx() {
	local n=$1
	shift
	ip netns exec "$OM_PFX-$n" "$@"
}

# om_ns_add SHORT - create namespace SHORT with lo up, IPv6 off (keeps the
# tap free of MLD/ND chatter so frame counts mean what they say) and
# reverse-path filtering off (multicast from a remote source arrives on a
# client's tap, whose subnet does not contain the source).
om_ns_add() {
	local ns="$OM_PFX-$1"
	ip netns add "$ns" || om_fail "cannot create netns $ns"
	OM_NS_LIST+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sh -c '
		for k in net.ipv6.conf.all.disable_ipv6=1 \
			 net.ipv6.conf.default.disable_ipv6=1 \
			 net.ipv4.conf.all.rp_filter=0 \
			 net.ipv4.conf.default.rp_filter=0; do
			sysctl -qw "$k" || exit 1
		done' || om_fail "sysctl in $ns"
}

# om_veth NS_A IF_A NS_B IF_B - a veth pair between two namespaces, up.
om_veth() {
	ip -n "$OM_PFX-$1" link add "$2" type veth peer name "$4" netns "$OM_PFX-$3"
	ip -n "$OM_PFX-$1" link set "$2" up
	ip -n "$OM_PFX-$3" link set "$4" up
}

# om_addr NS IF CIDR
om_addr() {
	ip -n "$OM_PFX-$1" addr add "$3" dev "$2"
}

# om_if_ipv4 NS IF - the first IPv4 address of IF (no prefix length).
om_if_ipv4() {
	ip -n "$OM_PFX-$1" -4 -o addr show dev "$2" 2>/dev/null |
		awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# om_if_mac NS IF - MAC address of IF, read from sysfs inside the namespace.
om_if_mac() {
	om_nsx "$1" cat "/sys/class/net/$2/address"
}

# ---------------------------------------------------------------------------
# PKI: one self-signed EC certificate per peer; OpenVPN checks them with
# peer-fingerprint, so no CA is needed.

om_pki_make() { # CN [FILE-NAME]
	local cn=$1 f=${2:-$1} dir="$OM_OUT/pki"
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -subj "/CN=$cn" -days 2 \
		-keyout "$dir/$f.key" -out "$dir/$f.crt" 2>"$dir/$f.err" ||
		om_fail "openssl req for $cn: $(cat "$dir/$f.err")"
	openssl x509 -in "$dir/$f.crt" -noout -fingerprint -sha256 |
		sed 's/^.*=//' >"$dir/$f.fp"
	grep -qE '^([0-9A-F]{2}:){31}[0-9A-F]{2}$' "$dir/$f.fp" ||
		om_fail "bad fingerprint for $cn: $(cat "$dir/$f.fp")"
}

om_pki_fp() {
	cat "$OM_OUT/pki/$1.fp"
}

# ---------------------------------------------------------------------------
# Topology

# Names of the clients, in order; c1 is alice and so on.
OM_NAMES=(alice bob carol dave erin frank)

# om_topo_vpn N - wan bridge, server and N clients, plus their certificates.
om_topo_vpn() {
	local n=$1 i
	[ "$n" -le ${#OM_NAMES[@]} ] || om_fail "at most ${#OM_NAMES[@]} clients"
	om_ns_add wan
	ip -n "$(om_ns wan)" link add br0 type bridge
	ip -n "$(om_ns wan)" link set br0 up
	om_ns_add srv
	om_veth srv eth0 wan psrv
	ip -n "$(om_ns wan)" link set psrv master br0
	om_addr srv eth0 "$OM_SERVER_WAN/24"
	om_pki_make server
	for ((i = 1; i <= n; i++)); do
		om_ns_add "c$i"
		om_veth "c$i" eth0 wan "pc$i"
		ip -n "$(om_ns wan)" link set "pc$i" master br0
		om_addr "c$i" eth0 "172.16.0.$((10 + i))/24"
		OM_CLIENT_CN[i]=${OM_NAMES[i - 1]}
		OM_CLIENT_ID[i]=${OM_NAMES[i - 1]}
		om_pki_make "${OM_CLIENT_CN[i]}"
	done
	OM_NCLIENTS=$n
	om_log "topology: server + $n clients (${OM_CLIENT_CN[*]}) in $OM_PFX-*"
}

# om_client_set_cn I CN - give client I a new certificate with common name
# CN (its files keep their name); before the server starts.
om_client_set_cn() {
	OM_CLIENT_CN[$1]=$2
	om_pki_make "$2" "${OM_CLIENT_ID[$1]}"
}

# om_topo_source - multicast source namespace "src" on up0 of the server.
# Forwarding on in the server so routed multicast can reach tap0.
om_topo_source() {
	om_ns_add src
	om_veth src eth0 srv up0
	om_addr src eth0 "$OM_SRC_ADDR/24"
	om_addr srv up0 10.99.0.1/24
	ip -n "$(om_ns src)" route add default via 10.99.0.1
	om_nsx srv sysctl -qw net.ipv4.ip_forward=1
	[ "$(om_feed)" = standalone ] && OM_UPSTREAM=up0
	return 0
}

# om_feed - what brings the source's group traffic to the clients:
# "igmpproxy" (kernel multicast routing into tap0) where the kernel can
# route multicast, else "standalone" (the helper joins on up0 itself).
# OM_FEED=igmpproxy|standalone overrides.
om_feed() {
	if [ -n "${OM_FEED:-}" ]; then
		echo "$OM_FEED"
	elif om_kernel_mroute; then
		echo igmpproxy
	else
		echo standalone
	fi
}

# ---------------------------------------------------------------------------
# OpenVPN server and clients

# om_helper_conf - the helper's configuration file (libconfig syntax).
om_helper_conf() {
	cat >"$OM_OUT/helper.conf" <<EOF
# written by tests/lib.sh for $OM_TEST
helper = "$OM_HELPER";
control_socket = "$OM_CTL_SOCK";
nft_table = "$OM_NFT_TABLE";
nflog_group = $OM_NFLOG_GROUP;
EOF
	[ -z "$OM_UPSTREAM" ] || echo "upstream = \"$OM_UPSTREAM\";" >>"$OM_OUT/helper.conf"
	# OM_DATAPATH=bpf|nflog: force a data path (default: the helper's auto).
	[ -z "${OM_DATAPATH:-}" ] || echo "datapath = \"$OM_DATAPATH\";" >>"$OM_OUT/helper.conf"
	[ -z "${OM_HELPER_USER:-}" ] || echo "user = \"$OM_HELPER_USER\";" >>"$OM_OUT/helper.conf"
	# Per-test additions, e.g. 'igmp = { version = 3; };'
	[ -z "${OM_HELPER_EXTRA:-}" ] || printf '%s\n' "$OM_HELPER_EXTRA" >>"$OM_OUT/helper.conf"
}

# om_server_conf plugin|noplugin - write server.conf.
# OM_SERVER_EXTRA (optional) is appended verbatim.
om_server_conf() {
	local mode=$1 i
	{
		cat <<EOF
# written by tests/lib.sh for $OM_TEST
server 10.8.0.0 255.255.255.0
dev tap0
dev-type tap
proto udp4
local $OM_SERVER_WAN
port $OM_VPN_PORT
cert $OM_OUT/pki/server.crt
key $OM_OUT/pki/server.key
dh none
data-ciphers AES-256-GCM
keepalive $OM_KEEPALIVE
verb 4
status $OM_OUT/openvpn-status.txt 1
status-version 2
EOF
		echo "<peer-fingerprint>"
		for ((i = 1; i <= OM_NCLIENTS; i++)); do
			om_pki_fp "${OM_CLIENT_ID[i]}"
		done
		echo "</peer-fingerprint>"
		if [ "$mode" = plugin ]; then
			om_helper_conf
			echo "plugin $OM_PLUGIN $OM_OUT/helper.conf"
		fi
		[ -z "${OM_SERVER_EXTRA:-}" ] || printf '%s\n' "$OM_SERVER_EXTRA"
	} >"$OM_OUT/server.conf"
}

om_server_ready() {
	om_alive "$OM_SERVER_PID" || return 99
	grep -q 'Initialization Sequence Completed' "$OM_OUT/server.log" 2>/dev/null
}

# om_server_start [plugin|noplugin] - start the OpenVPN server in "srv" and
# wait until it is initialised (and, with the plugin, until the helper
# answers on its control socket).
om_server_start() {
	local mode=${1:-plugin}
	[ "$mode" = plugin ] && om_need_built
	om_server_conf "$mode"
	# Not through om_nsx: $! must be the pid that becomes openvpn
	# (ip netns exec execs it), not a subshell's, or signals miss it.
	# OM_SERVER_PREFIX: a command that execs its arguments (e.g. prlimit).
	# shellcheck disable=SC2086
	ip netns exec "$(om_ns srv)" ${OM_SERVER_PREFIX:-} openvpn --config "$OM_OUT/server.conf" \
		--log "$OM_OUT/server.log" </dev/null >/dev/null 2>&1 &
	OM_SERVER_PID=$!
	OM_SERVER_PLUGIN=0
	[ "$mode" = plugin ] && OM_SERVER_PLUGIN=1
	om_wait 20 "OpenVPN server initialised (see server.log)" om_server_ready
	[ "$OM_SERVER_PLUGIN" = 1 ] && om_wait_status
	if [ "$OM_SERVER_PLUGIN" = 1 ] && [ -n "${OM_DATAPATH:-}" ] && [ "$(om_datapath)" != "$OM_DATAPATH" ]; then
		om_fail "the helper runs the '$(om_datapath)' data path, not the '$OM_DATAPATH' one configured"
	fi
	om_log "server up (pid $OM_SERVER_PID, $mode)"
}

# om_server_stop - SIGTERM the server and wait for it to exit.
om_server_stop() {
	[ -n "$OM_SERVER_PID" ] || return 0
	kill -TERM "$OM_SERVER_PID"
	om_wait 20 "OpenVPN server exits after SIGTERM" om_not_alive "$OM_SERVER_PID"
	wait "$OM_SERVER_PID" 2>/dev/null || true
	om_log "server stopped"
	OM_SERVER_PID=""
}

om_not_alive() {
	! om_alive "$1"
}

# om_client_conf I - write client-<cn>.conf for client I.
om_client_conf() {
	local i=$1 id=${OM_CLIENT_ID[$1]}
	cat >"$OM_OUT/client-$id.conf" <<EOF
# written by tests/lib.sh for $OM_TEST
client
dev tap0
dev-type tap
proto udp4
remote $OM_SERVER_WAN $OM_VPN_PORT
nobind
cert $OM_OUT/pki/$id.crt
key $OM_OUT/pki/$id.key
peer-fingerprint $(om_pki_fp server)
data-ciphers AES-256-GCM
explicit-exit-notify 1
verb 4
EOF
	[ -z "${OM_CLIENT_EXTRA:-}" ] || printf '%s\n' "$OM_CLIENT_EXTRA" >>"$OM_OUT/client-$id.conf"
}

om_client_ready() {
	local i=$1
	om_alive "${OM_CLIENT_PID[i]}" || return 99
	grep -q 'Initialization Sequence Completed' "$OM_OUT/client-${OM_CLIENT_ID[i]}.log" 2>/dev/null &&
		[ -n "$(om_if_ipv4 "c$i" tap0)" ]
}

# om_client_poke I - send one datagram from client I to the server's VPN
# address and wait for the server's ARP answer.  The client's first frame is
# what makes OpenVPN fire learn-address, which tells the plugin the MAC.
om_client_poke() {
	local i=$1
	om_nsx "c$i" bash -c "echo poke >/dev/udp/$OM_SERVER_VPN/9" 2>/dev/null || true
	om_wait 10 "client ${OM_CLIENT_CN[i]} reaches $OM_SERVER_VPN over the VPN" \
		om_client_has_server_arp "$i"
}

om_client_has_server_arp() {
	ip -n "$(om_ns "c$1")" neigh show "$OM_SERVER_VPN" dev tap0 | grep -q lladdr
}

# om_client_start I - start OpenVPN client I in its namespace, wait until its
# tap has the pushed address, and make it talk to the server once.
om_client_start() {
	local i=$1 cn=${OM_CLIENT_CN[$1]} id=${OM_CLIENT_ID[$1]}
	om_client_conf "$i"
	ip netns exec "$(om_ns "c$i")" openvpn --config "$OM_OUT/client-$id.conf" \
		--log "$OM_OUT/client-$id.log" </dev/null >/dev/null 2>&1 &
	OM_CLIENT_PID[i]=$!
	om_wait 20 "client $cn connected (see client-$id.log)" om_client_ready "$i"
	om_client_poke "$i"
	om_log "client $cn up: $(om_if_ipv4 "c$i" tap0) $(om_if_mac "c$i" tap0)"
}

# om_client_stop I [SIGNAL] - stop client I (default SIGTERM: explicit exit
# notify tells the server at once) and wait until the process is gone.
om_client_stop() {
	local i=$1 sig=${2:-TERM}
	kill "-$sig" "${OM_CLIENT_PID[i]}"
	om_wait 20 "client ${OM_CLIENT_CN[i]} exits after SIG$sig" om_not_alive "${OM_CLIENT_PID[i]}"
	wait "${OM_CLIENT_PID[i]}" 2>/dev/null || true
	om_log "client ${OM_CLIENT_CN[i]} stopped (SIG$sig)"
}

# om_client_real_addr I - "ip:port" the server sees for client I: its wan
# address and the local port of its (only) UDP socket.
om_client_real_addr() {
	local port
	port=$(ip netns exec "$(om_ns "c$1")" ss -Hnua |
		awk '{ n = split($4, a, ":"); print a[n]; exit }')
	echo "172.16.0.$((10 + $1)):$port"
}

# ---------------------------------------------------------------------------
# Helper status (control socket)

om_status() {
	"$OM_HELPER" status -s "$OM_CTL_SOCK" --csv
}

om_status_ok() {
	om_status 2>/dev/null | grep -qx 'END'
}

# om_wait_status - until the helper answers a complete status.
om_wait_status() {
	om_wait 10 "helper answers on $OM_CTL_SOCK" om_status_ok
}

# om_status_client CN - the CLIENT row of CN (empty if none).  Columns:
# 1 CLIENT 2 Id 3 CN 4 Real 5 Virtual 6 MAC 7 Groups 8 Frames 9 Bytes 10 Since
om_status_client() {
	om_status | awk -F, -v cn="$1" '$1 == "CLIENT" && $3 == cn'
}

om_status_field() { # CN FIELD-NUMBER
	om_status_client "$1" | awk -F, -v f="$2" '{ print $f; exit }'
}

om_status_has_client() {
	[ -n "$(om_status_client "$1")" ]
}

om_status_lacks_client() {
	om_status_ok && [ -z "$(om_status_client "$1")" ]
}

# om_status_group G - the GROUP row of G: 1 GROUP 2 Group 3 Members
# 4 Frames In 5 Frames Out 6 Bytes Out
om_status_group() {
	om_status | awk -F, -v g="$1" '$1 == "GROUP" && $2 == g'
}

# om_status_save NAME - keep a copy of the status in the test's out dir.
om_status_save() {
	om_status >"$OM_OUT/status-$1.csv" 2>&1 || true
}

# om_log_time_us LINE - microsecond epoch time of an OpenVPN log line
# ("2026-11-22 00:44:12 us=12955 ...").
om_log_time_us() {
	local d t us
	read -r d t us _ <<<"$1"
	us=${us#us=}
	echo $(($(date -d "$d $t" +%s) * 1000000 + 10#$us))
}

# om_server_disconnect_line CN - the server log line where OpenVPN closes
# CN's client instance; it calls the plugin's CLIENT_DISCONNECT right after
# (whose own log line carries no client name).  Empty if none yet.
om_server_disconnect_line() {
	grep -E "^[0-9-]+ [0-9:]+ us=[0-9]+ $1/[^ ]+ .*client-instance (exiting|restarting)" \
		"$OM_OUT/server.log" | tail -n 1
}


# ---------------------------------------------------------------------------
# Background processes inside namespaces

# om_bg NAME SHORT-NS CMD... - start CMD in a namespace in the background;
# stdout goes to $OM_OUT/NAME.out, stderr to NAME.err.  The pid is the one
# that becomes CMD (ip netns exec execs it), so signals reach CMD itself.
om_bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$(om_ns "$ns")" "$@" \
		>"$OM_OUT/$name.out" 2>"$OM_OUT/$name.err" </dev/null &
	OM_BG_PID[$name]=$!
}

# om_bg_stop NAME [SIGNAL] - signal NAME (default TERM) and wait for it.
om_bg_stop() {
	local name=$1 sig=${2:-TERM} pid=${OM_BG_PID[$1]}
	kill "-$sig" "$pid" 2>/dev/null || true
	om_wait 10 "$name exits after SIG$sig" om_not_alive "$pid"
	wait "$pid" 2>/dev/null || true
	unset "OM_BG_PID[$name]"
}

om_bg_alive_grep() { # NAME PATTERN - 99 if NAME died, else grep its stdout
	om_alive "${OM_BG_PID[$1]}" || return 99
	grep -q "$2" "$OM_OUT/$1.out" 2>/dev/null
}

# ---------------------------------------------------------------------------
# Multicast topology: source --- server (igmpproxy, OpenVPN) --- clients

OM_MC_PORT=5000
# Under emulation (tests/vm) OpenVPN is about ten times slower: senders are
# capped at OM_VM_MAX_RATE, and a loaded client must not hit ping-restart.
OM_VM_MAX_RATE=${OM_VM_MAX_RATE:-50}
if [ -n "${OM_IN_VM:-}" ]; then
	OM_KEEPALIVE=${OM_KEEPALIVE:-5 60}
	OM_QUIET_DEADLINE_S=60
else
	OM_KEEPALIVE=${OM_KEEPALIVE:-1 5}
	OM_QUIET_DEADLINE_S=10
fi

# om_topo_mcast N - om_topo_vpn N plus the multicast source namespace.
om_topo_mcast() {
	om_topo_vpn "$1"
	om_topo_source
	om_need_tools mcsend mcrecv tapcount
}

# om_feed_start - start what feeds the tap (see om_feed): igmpproxy, or
# nothing in standalone mode, where the helper was configured with
# upstream = "up0" when the server started.
om_feed_start() {
	if [ "$(om_feed)" = standalone ]; then
		om_log "standalone mode: the helper joins upstream on $OM_UPSTREAM (no igmpproxy)"
		return 0
	fi
	om_igmpproxy_start
}

# om_static_feed_start GROUP... - a feed that needs no igmpproxy queries
# (which would turn IGMPv3 clients to v2): smcroute static routes for the
# GROUPs where the kernel can route multicast, else standalone mode.
om_static_feed_start() {
	if [ "$(om_feed)" = standalone ]; then
		om_feed_start
	else
		om_smcroute_start "$@"
	fi
}

# om_igmpproxy_start - igmpproxy in the server namespace: up0 (towards the
# source) upstream, tap0 downstream.  altnet: igmpproxy only accepts
# multicast from sources in the upstream interface's subnet or an altnet.
# It must start after OpenVPN has created tap0.
om_igmpproxy_start() {
	{
		echo "# written by tests/lib.sh for $OM_TEST"
		echo "phyint up0 upstream ratelimit 0 threshold 1"
		echo "	altnet $OM_SRC_NET"
		echo "phyint tap0 downstream ratelimit 0 threshold 1"
		echo "phyint eth0 disabled"
	} >"$OM_OUT/igmpproxy.conf"
	om_bg igmpproxy srv igmpproxy -d -v "$OM_OUT/igmpproxy.conf"
	om_wait 10 "igmpproxy set up its multicast interfaces (igmpproxy.err)" om_igmpproxy_ready
	om_log "igmpproxy up (pid ${OM_BG_PID[igmpproxy]})"
}

om_igmpproxy_ready() {
	local vifs
	om_alive "${OM_BG_PID[igmpproxy]}" || return 99
	vifs=$(om_nsx srv cat /proc/net/ip_mr_vif 2>/dev/null) || return 1
	grep -q ' up0 ' <<<"$vifs" && grep -q ' tap0 ' <<<"$vifs"
}

# om_upstream_joined GROUP - the server joined GROUP on up0 (igmpproxy, or
# the helper in standalone mode), i.e. it has processed a client's report.
om_upstream_joined() {
	ip -n "$(om_ns srv)" maddr show dev up0 | awk -v g="$1" '$1 == "inet" && $2 == g { f = 1 } END { exit !f }'
}

om_upstream_not_joined() {
	! om_upstream_joined "$@"
}

# om_upstream_igmp GROUP - the server's /proc/net/igmp entry for GROUP on
# up0 as "Users Timer Reporter" fields, empty if not joined.  The group is
# listed there in host byte order hex (little endian on x86).
om_upstream_igmp() {
	local hex
	hex=$(printf '%02X' $(tr '.' ' ' <<<"$1" | awk '{ print $4, $3, $2, $1 }'))
	om_nsx srv awk -v g="$hex" '
		/^[0-9]/ { dev = $2; next }
		dev == "up0" && $1 == g { print $2, $3, $4; exit }' /proc/net/igmp
}

# om_upstream_sources GROUP - the sources named in the server's filter for
# GROUP on up0, one "SOURCE include|exclude" line each, from
# /proc/net/mcfilter (nothing for an any-source join).
om_upstream_sources() {
	local idx dev mca src inc exc
	om_nsx srv cat /proc/net/mcfilter | while read -r idx dev mca src inc exc; do
		[ "$dev" = up0 ] && [ "$(om_hex_ip "$mca")" = "$1" ] || continue
		echo "$(om_hex_ip "$src") $([ "$inc" -gt 0 ] && echo include || echo exclude)"
	done | sort
}

# om_hex_ip 0xEF010101 - dotted quad of a big-endian hex address.
om_hex_ip() {
	local h=$(($1))
	echo "$((h >> 24 & 255)).$((h >> 16 & 255)).$((h >> 8 & 255)).$((h & 255))"
}

# om_status_client_by_mac I - client I's CLIENT row, found by the MAC of
# its tap (unique even when common names repeat with duplicate-cn).
om_status_client_by_mac() {
	local mac
	mac=$(om_if_mac "c$1" tap0) || return 1
	om_status | awk -F, -v m="$mac" '$1 == "CLIENT" && $6 == m'
}

# om_helper_has_member I GROUP - the helper lists GROUP for client I.
om_helper_has_member() {
	local groups
	groups=$(om_status_client_by_mac "$1" 2>/dev/null | cut -d, -f7) || return 1
	grep -qw -- "$2" <<<"$groups"
}

om_helper_lacks_member() {
	om_status_ok || return 1
	! om_helper_has_member "$@"
}

# om_recv_start I GROUP [SOURCE] - client I joins GROUP on its tap0 (SOURCE:
# IGMPv3 source-specific; "!SOURCE": any source but that one) and counts
# datagrams.  Returns once it has joined and, with the plugin loaded, once
# the helper lists the membership.
om_recv_start() {
	local i=$1 g=$2 src=${3:-} opt=-s
	local name="recv-c$i-$g"
	case "$src" in '!'*) opt=-x src=${src#!} ;; esac
	om_bg "$name" "c$i" "$OM_TOOLS/mcrecv" -g "$g" -p "$OM_MC_PORT" -i tap0 ${src:+"$opt" "$src"}
	om_wait 5 "$name joined" om_bg_alive_grep "$name" '^joined '
	if [ "$OM_SERVER_PLUGIN" = 1 ]; then
		om_wait 5 "helper lists ${OM_CLIENT_CN[i]} as member of $g" om_helper_has_member "$i" "$g"
	fi
}

# om_recv_leave I GROUP - make client I's receiver leave GROUP now; prints
# the time of the leave (us since the epoch).
om_recv_leave() {
	local name="recv-c$1-$2" t
	kill -USR1 "${OM_BG_PID[$name]}"
	om_wait 5 "$name left" om_bg_alive_grep "$name" '^left '
	t=$(awk '$1 == "left" { print $2; exit }' "$OM_OUT/$name.out")
	echo "${t/./}"
}

# om_recv_stop I GROUP - stop client I's receiver of GROUP.
om_recv_stop() {
	om_bg_stop "recv-c$1-$2"
}

# om_recv_val I GROUP KEY - KEY from the receiver's result line
# (received, unique, dup, foreign, after_leave, max_seq).
om_recv_val() {
	local f="$OM_OUT/recv-c$1-$2.out"
	grep '^mcrecv ' "$f" | tr ' ' '\n' | sed -n "s/^$3=//p" | tail -n 1 | grep . ||
		om_fail "no '$3' in $f (receiver not stopped yet?)"
}

# om_cap_start I - count multicast frames arriving on client I's tap0.
om_cap_start() {
	local name="cap-c$1"
	om_bg "$name" "c$1" "$OM_TOOLS/tapcount" -i tap0 -o "$OM_OUT/frames-c$1.log"
	om_wait 5 "$name capturing" om_bg_alive_grep "$name" '^ready$'
}

om_cap_stop() {
	local dropped
	om_bg_stop "cap-c$1"
	grep -q '^tapcount ' "$OM_OUT/cap-c$1.out" || om_fail "cap-c$1 gave no result"
	dropped=$(sed -n 's/^tapcount .*dropped=//p' "$OM_OUT/cap-c$1.out")
	# A capture that lost frames cannot prove that none arrived.
	[ "$dropped" = 0 ] || om_fail "cap-c$1: the kernel dropped $dropped captured frames"
}

# om_cap_count I GROUP [PROTO] - frames to GROUP (proto udp) on client I.
om_cap_count() {
	awk -v g="$2" -v p="${3:-udp}" '$1 == "count" && $2 == g && $3 == p { n = $4 }
		END { print n + 0 }' "$OM_OUT/cap-c$1.out"
}

# om_cap_unicast I GROUP - of those, frames with a unicast destination MAC.
om_cap_unicast() {
	awk -v g="$2" '$1 == "count" && $2 == g && $3 == "udp" { n = $5 }
		END { print n + 0 }' "$OM_OUT/cap-c$1.out"
}

# om_cap_routed I - UDP frames to any group outside 224.0.0.0/24 (the
# link-local groups, which must still reach everyone) on client I.
om_cap_routed() {
	awk '$1 == "count" && $3 == "udp" && $2 !~ /^224\.0\.0\./ { n += $4 }
		END { print n + 0 }' "$OM_OUT/cap-c$1.out"
}

# om_cap_after I GROUP T_US - UDP frames to GROUP on client I later than
# T_US.  Only data counts: an IGMP group-specific query is sent to the
# group address too.
om_cap_after() {
	awk -v g="$2" -v t="$3" '$2 == g && $3 == "udp" { split($1, a, "."); us = a[1] * 1000000 + a[2];
		if (us > t) n++ } END { print n + 0 }' "$OM_OUT/frames-c$1.log"
}

# om_cap_count_from I GROUP SOURCE - UDP frames to GROUP from SOURCE on
# client I (from the frame log).
om_cap_count_from() {
	awk -v g="$2" -v s="$3" '$2 == g && $3 == "udp" && $6 == s { n++ } END { print n + 0 }' \
		"$OM_OUT/frames-c$1.log"
}

# om_cap_frames_now I GROUP - UDP frames to GROUP seen so far (while running).
om_cap_frames_now() {
	awk -v g="$2" '$2 == g && $3 == "udp" { n++ } END { print n + 0 }' "$OM_OUT/frames-c$1.log" 2>/dev/null || echo 0
}

om_cap_frames_ge() { # I GROUP N
	[ "$(om_cap_frames_now "$1" "$2")" -ge "$3" ]
}

# om_wait_quiet - after sending: until no client's frame log has grown for
# 300 ms (deadline 10 s, 60 s in the VM), so counts are final before they are checked.
om_wait_quiet() {
	local last="" now stable_since deadline
	stable_since=$(om_now_us)
	deadline=$((stable_since + OM_QUIET_DEADLINE_S * 1000000))
	while :; do
		now=$(cat "$OM_OUT"/frames-c*.log 2>/dev/null | wc -c)
		if [ "$now" != "$last" ]; then
			last=$now
			stable_since=$(om_now_us)
		elif [ $(($(om_now_us) - stable_since)) -ge 300000 ]; then
			return 0
		fi
		[ "$(om_now_us)" -lt "$deadline" ] || om_fail "frames still arriving $OM_QUIET_DEADLINE_S s after the senders stopped"
		sleep 0.05
	done
}

# om_send_start NAME SHORT-NS GROUP COUNT RATE [IFNAME] - mcsend in the
# background: COUNT datagrams to GROUP at RATE per second, TTL 8 (or
# OM_SEND_TTL), with
# OM_SEND_SIZE bytes of UDP payload (default 200), from source address
# OM_SEND_FROM if set.
om_send_start() {
	local name=$1 ns=$2 g=$3 n=$4 r=$5 ifn=${6:-}
	# Under software emulation (tests/vm) OpenVPN encrypts about ten times
	# slower: the same counts are asserted at a rate the VM can carry.
	if [ -n "${OM_IN_VM:-}" ] && [ "$r" -gt "$OM_VM_MAX_RATE" ]; then
		om_log "$name: in the VM, sending at $OM_VM_MAX_RATE/s instead of $r/s"
		r=$OM_VM_MAX_RATE
	fi
	om_bg "$name" "$ns" "$OM_TOOLS/mcsend" -g "$g" -p "$OM_MC_PORT" -n "$n" -r "$r" -t "${OM_SEND_TTL:-8}" \
		-s "${OM_SEND_SIZE:-200}" ${ifn:+-i "$ifn"} ${OM_SEND_FROM:+-b "$OM_SEND_FROM"}
}

# om_send_wait NAME - wait (at most 120 s) for sender NAME to finish.
om_send_wait() {
	om_wait 120 "sender $1 finishes" om_not_alive "${OM_BG_PID[$1]}"
	wait "${OM_BG_PID[$1]}" || om_fail "sender $1 failed: $(cat "$OM_OUT/$1.err")"
	unset "OM_BG_PID[$1]"
	grep -q '^mcsend ' "$OM_OUT/$1.out" || om_fail "sender $1 gave no result"
	om_log "$1: $(cat "$OM_OUT/$1.out")"
}

# om_send_val NAME KEY - sent or errors from the sender's result line.
om_send_val() {
	tr ' ' '\n' <"$OM_OUT/$1.out" | sed -n "s/^$2=//p" | tail -n 1
}

# om_mcast_setup N plugin|noplugin [noigmpproxy] - the multicast topology
# with N connected clients, and its feed (om_feed_start) unless told
# otherwise.
om_mcast_setup() {
	local n=$1 mode=$2 i
	om_topo_mcast "$n"
	om_server_start "$mode"
	for ((i = 1; i <= n; i++)); do
		om_client_start "$i"
	done
	[ "${3:-}" = noigmpproxy ] || om_feed_start
}

# om_mcast_burst N RATE GROUP... - count frames on every client's tap while
# the source sends N datagrams at RATE/s to each GROUP (in parallel), until
# the last frame has arrived.
om_mcast_burst() {
	local n=$1 rate=$2 g i k=0
	shift 2
	for ((i = 1; i <= OM_NCLIENTS; i++)); do om_cap_start "$i"; done
	for g in "$@"; do
		k=$((k + 1))
		om_send_start "send$k" src "$g" "$n" "$rate" eth0
	done
	for ((i = 1; i <= k; i++)); do om_send_wait "send$i"; done
	om_wait_quiet
	for ((i = 1; i <= OM_NCLIENTS; i++)); do om_cap_stop "$i"; done
}

# om_smcroute_start GROUP... - smcrouted in the server namespace with one
# static route per GROUP from up0 into tap0 (forwarded whether or not
# anyone joined).  Its control socket lives in our private directory.
om_smcroute_start() {
	local g
	{
		echo "# written by tests/lib.sh for $OM_TEST"
		for g in "$@"; do
			echo "mroute from up0 group $g to tap0"
		done
	} >"$OM_OUT/smcroute.conf"
	om_bg smcroute srv smcrouted -n -f "$OM_OUT/smcroute.conf" -l debug \
		-u "$OM_RUN/smcroute.sock" -P "$OM_RUN/smcroute.pid"
	om_wait 10 "smcrouted running (smcroute.err)" om_smcroute_ready
	om_log "smcrouted up (pid ${OM_BG_PID[smcroute]}): $*"
}

om_smcroute_ready() {
	om_alive "${OM_BG_PID[smcroute]}" || return 99
	om_nsx srv smcroutectl -u "$OM_RUN/smcroute.sock" show routes >/dev/null 2>&1 &&
		om_nsx srv grep -q ' tap0 ' /proc/net/ip_mr_vif
}

# om_helper_pids - pids of helper daemons in the server namespace, one per
# line (not their supervisors: see om_supervisor_pids).
om_helper_pids() {
	local p
	for p in $(ip netns pids "$(om_ns srv)"); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$OM_HELPER" ] || continue
		tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | grep -qx -- --supervise || echo "$p"
	done
	return 0
}

# om_supervisor_pids - pids of the helpers' supervisors (openvpn-mcast-helper
# --supervise, forked by the plugin) in the server namespace.
om_supervisor_pids() {
	local p
	for p in $(ip netns pids "$(om_ns srv)"); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$OM_HELPER" ] || continue
		tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | grep -qx -- --supervise && echo "$p"
	done
	return 0
}

# om_nft_table_present - the helper's netdev table exists in the server
# namespace.
om_nft_table_present() {
	om_nsx srv nft list table netdev "$OM_NFT_TABLE" >/dev/null 2>&1
}

# om_datapath - the data path the server's helper chose: bpf or nflog
# (from its start line in server.log; empty before it started).
om_datapath() {
	sed -n 's/^.*openvpn-mcast-helper: datapath: \(bpf\|nflog\).*$/\1/p' "$OM_OUT/server.log" 2>/dev/null |
		tail -n 1
}

# om_tc_filter_present DEV ingress|egress - our tc filter (handle 0x6d63)
# is on DEV in the server namespace.
om_tc_filter_present() {
	om_nsx srv tc filter show dev "$1" "$2" 2>/dev/null | grep -q 'handle 0x6d63'
}

# om_dp_installed - the helper's data path is in place on tap0: its nftables
# table (nflog path) or its tc filter on tap0's egress (bpf path).
om_dp_installed() {
	case "$(om_datapath)" in
	bpf) om_tc_filter_present tap0 egress ;;
	*) om_nft_table_present ;;
	esac
}

# om_assert_server_left_nothing - after om_server_stop: no process in the
# server namespace (the helper included), no control socket, no nftables
# table of the helper.
om_assert_server_left_nothing() {
	local left
	# The helper was forked inside the server namespace, so it is among
	# `ip netns pids` even if it was orphaned.  The plugin stops and reaps
	# it in openvpn_plugin_close_v1, before OpenVPN exits, so nothing may
	# be left the moment the server is gone.
	left=$(ip netns pids "$(om_ns srv)" || true)
	if [ -n "$left" ]; then
		ps -o pid,ppid,stat,args -p "$(echo $left | tr ' ' ,)" >&2 || true
		om_fail "processes left in the server namespace after OpenVPN exited: $left"
	fi
	om_log "ok: no process left in the server namespace"
	[ ! -e "$OM_CTL_SOCK" ] || om_fail "control socket $OM_CTL_SOCK left behind"
	om_log "ok: control socket removed"
	# The namespace (and tap0) outlive OpenVPN here, so a table the helper
	# forgot to delete would still be there.
	if om_nft_table_present; then
		om_nsx srv nft list table netdev "$OM_NFT_TABLE" >&2
		om_fail "nftables table netdev $OM_NFT_TABLE left behind"
	fi
	om_log "ok: no nftables table $OM_NFT_TABLE left"
	local dev
	for dev in "tap0 egress" "up0 ingress" "tap0 ingress"; do
		# shellcheck disable=SC2086 # DEV DIRECTION
		! om_tc_filter_present $dev || om_fail "tc filter of the helper left on $dev"
	done
	om_log "ok: no tc filter of the helper left"
}

# ---------------------------------------------------------------------------
# VM runner (tests/vm/run.sh; this section belongs to it)
#
# Where this kernel cannot route multicast, the tests with om_need_mroute run
# in a VM (OM_IN_VM=1).  Under software emulation (OM_VM_ACCEL=tcg) every
# step is 10-50x slower; a bound on time that only says how fast this machine
# is gets asserted only on a native kernel (or KVM), never loosened:
#
#   if om_native_only "no frame later than 50 ms after the leave"; then
#           om_assert_eq "$late" 0 "frames later than 50 ms after the leave"
#   fi
#
# The same property must then be asserted natively elsewhere (standalone
# mode), so that no bound goes unchecked.

# om_native_only WHAT - true on a native kernel; under emulation say that
# WHAT is asserted only natively, and return 1.
om_native_only() {
	if [ -n "${OM_IN_VM:-}" ] && [ "${OM_VM_ACCEL:-tcg}" != kvm ]; then
		om_log "not asserted under emulation (asserted on native kernels): $*"
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------------------
# Prometheus metrics files (tests of metrics_file)

# om_prom_checker - what om_prom_check uses: promtool, or the strict parser.
om_prom_checker() {
	if command -v promtool >/dev/null 2>&1; then echo "promtool check metrics"; else echo "strict parser"; fi
}

# om_prom_check FILE - FILE is valid Prometheus text format: `promtool
# check metrics` where Debian's prometheus package installed it, else a
# strict parser: every family has HELP then TYPE before its samples, names
# and label values as the format allows, integer values, no duplicate
# series, no timestamps (node_exporter's textfile collector refuses them).
om_prom_check() {
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$1" >"$OM_OUT/promtool.out" 2>&1 || {
			cat "$OM_OUT/promtool.out" >&2
			return 1
		}
		# promtool prints lint findings but exits 0 for some of them.
		[ ! -s "$OM_OUT/promtool.out" ] || { cat "$OM_OUT/promtool.out" >&2; return 1; }
		return 0
	fi
	awk '
	function bad(m) { printf "%s:%d: %s: %s\n", FILENAME, NR, m, $0 > "/dev/stderr"; err = 1; exit 1 }
	/^# HELP / { if ($3 in help) bad("second HELP"); help[$3] = 1; next }
	/^# TYPE / { if (!($3 in help)) bad("TYPE before HELP"); if ($4 !~ /^(counter|gauge)$/) bad("type");
		if ($3 in type) bad("second TYPE"); type[$3] = $4; next }
	/^#/ { bad("comment") }
	{
		if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) bad("name")
		name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
		if (!(name in type)) bad("sample before its TYPE")
		if (type[name] == "counter" && name !~ /_total$/) bad("counter without _total")
		if (substr(rest, 1, 1) == "{") {
			lab = "^\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\}"
			if (!match(rest, lab)) bad("labels")
			series = name substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
		} else series = name
		if (rest !~ /^ [0-9]+$/) bad("value (an integer, no timestamp)")
		if (series in seen) bad("duplicate series"); seen[series] = 1
	}' "$1"
}

# ---------------------------------------------------------------------------
# IPv6 over the VPN (MLD snooping, the IPv6 data path)
#
# om_topo_vpn6 N    om_topo_vpn N with IPv6 on in the server and the clients,
#                   and OpenVPN's server-ipv6 pool OM_VPN6_NET (the server's
#                   tap gets OM_SERVER_VPN6, clients ...::1000 and up).
# om_client6_wait I until client I's tap has its pushed IPv6 address.
# om_if_ipv6 NS IF  the first global IPv6 address of IF.
# om_ping6 I [DST]  one ICMPv6 echo from client I to DST (default: the
#                   server's VPN address); needs neighbour discovery.

OM_VPN6_NET=fd00:8::/64
OM_SERVER_VPN6=fd00:8::1

# om_ipv6_on SHORT - IPv6 on in namespace SHORT (om_ns_add turns it off)
# for the interfaces created from now on (the taps), without the duplicate
# address detection delay.
om_ipv6_on() {
	om_nsx "$1" sh -c '
		for k in net.ipv6.conf.all.disable_ipv6=0 \
			 net.ipv6.conf.default.disable_ipv6=0 \
			 net.ipv6.conf.all.accept_dad=0 \
			 net.ipv6.conf.default.accept_dad=0; do
			sysctl -qw "$k" || exit 1
		done' || om_fail "cannot turn IPv6 on in $1"
}

om_topo_vpn6() {
	local i
	om_topo_vpn "$1"
	om_ipv6_on srv
	for ((i = 1; i <= $1; i++)); do
		om_ipv6_on "c$i"
	done
	OM_SERVER_EXTRA="${OM_SERVER_EXTRA:+$OM_SERVER_EXTRA
}server-ipv6 $OM_VPN6_NET"
}

om_if_ipv6() {
	ip -n "$OM_PFX-$1" -6 -o addr show dev "$2" scope global 2>/dev/null |
		awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

om_client6_wait() {
	om_wait 10 "client ${OM_CLIENT_CN[$1]} has its IPv6 address on tap0" om_if_ipv6_set "c$1" tap0
	om_log "client ${OM_CLIENT_CN[$1]}: $(om_if_ipv6 "c$1" tap0)"
}

om_if_ipv6_set() {
	[ -n "$(om_if_ipv6 "$1" "$2")" ]
}

om_ping6() {
	om_nsx "c$1" ping -6 -c 1 -W 2 "${2:-$OM_SERVER_VPN6}" >>"$OM_OUT/ping6-c$1.log" 2>&1
}


# ---------------------------------------------------------------------------
# IPv6 group data (standalone upstream): om_v6_setup N brings up what
# om_mcast_setup N does, with IPv6 on: OpenVPN with server-ipv6
# (OM_VPN6_NET, the server OM_SERVER_VPN6), up0 2001:db8:99::1/64 towards the
# source namespace, which has OM_V6_SRC (2001:db8:99::2 and ::3). The
# clients speak MLDv2 only; the helper queries in MLDv2 (igmp.version 3;
# OM_V6_IGMP: more settings of the igmp group).

OM_V6_SRC=(2001:db8:99::2 2001:db8:99::3)

# om_v6_on SHORT - om_ipv6_on, and the hosts speak MLDv2 only.
om_v6_on() {
	om_ipv6_on "$1"
	om_nsx "$1" sysctl -qw net.ipv6.conf.all.force_mld_version=2 || om_fail "MLDv2 only in $1"
}

om_v6_setup() {
	local n=$1 ns i a
	OM_FEED=standalone
	OM_SERVER_EXTRA="${OM_SERVER_EXTRA:-}
server-ipv6 $OM_VPN6_NET"
	# An MLDv1 query would turn the clients to v1, which has no source lists.
	OM_HELPER_EXTRA="${OM_HELPER_EXTRA:-}
igmp = { version = 3; ${OM_V6_IGMP:-} };"
	om_topo_mcast "$n"
	for ns in srv src $(seq -f 'c%g' 1 "$n"); do om_v6_on "$ns"; done
	for a in "${OM_V6_SRC[@]}"; do
		ip -n "$(om_ns src)" -6 addr add "$a/64" dev eth0 nodad
	done
	ip -n "$(om_ns srv)" -6 addr add 2001:db8:99::1/64 dev up0 nodad
	om_server_start plugin
	for ((i = 1; i <= n; i++)); do om_client_start "$i"; done
	om_feed_start
	for ((i = 1; i <= n; i++)); do om_client6_wait "$i"; done
}

# om_v6_joined GROUP - the server has joined GROUP on up0 (the helper did).
om_v6_joined() {
	ip -n "$(om_ns srv)" -6 maddr show dev up0 | awk -v g="$1" '$1 == "inet6" && $2 == g { f = 1 } END { exit !f }'
}

om_v6_not_joined() {
	! om_v6_joined "$@"
}

# om_v6_from I GROUP SOURCE [LOG] - UDP frames to GROUP from SOURCE in client
# I's frame log (default frames-cI.log).
om_v6_from() {
	awk -v g="$2" -v s="$3" '$2 == g && $3 == "udp" && $6 == s { n++ } END { print n + 0 }' \
		"${4:-$OM_OUT/frames-c$1.log}"
}
