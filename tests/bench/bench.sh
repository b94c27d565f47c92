#!/bin/bash
# tests/bench/bench.sh - `make bench`: the four ways to carry one multicast
# stream over an OpenVPN TAP server, side by side, in ONE run:
#
#   plain   OpenVPN alone: every multicast frame goes to every client
#   bpf     openvpn-mcast, helper config datapath = "bpf" (tc-BPF copies)
#   nflog   openvpn-mcast, datapath = "nflog" (nftables -> nflog -> helper)
#           (no datapath key at all while the helper does not know it)
#   bridge  no plugin: tap0 is a port of a Linux bridge with
#           mcast_to_unicast, multicast snooping and the bridge as querier
#
# Real OpenVPN 2.6 server and K clients in network namespaces (tests/lib.sh),
# the source a process ON THE SERVER sending into the tap (the bridge in
# bridge mode): this kernel may lack multicast routing, and a local source
# works the same way in every mode.
#
# Measured (see bench/README.md for what each figure counts):
#   (a) waste: VPN transport bytes (client eth0 rx) per client per datagram
#       sent, members and non-members apart;
#   (b) server CPU per delivered copy: sender + OpenVPN server + helper
#       (utime+stime from /proc/PID/stat), median of BENCH_REPS streams;
#       on the bpf path also each program's run time (kernel.bpf_stats_enabled);
#   (d) latencies: join -> first frame (group already flowing to another
#       client), leave -> last frame, CLIENT_DISCONNECT -> last copy for
#       that client leaving tap0.
# A benchmark asserts nothing about speed; it fails only when it could not
# measure.  Prints one table; writes BENCH_RESULTS/latest.json, a
# timestamped copy and latest.png (gnuplot, when installed).
#
#   sudo bash tests/bench/bench.sh
# Knobs (environment): BENCH_MODES ("plain bpf nflog bridge"), BENCH_K (8),
#   BENCH_MEMBERS ("1 4 8"), BENCH_RATE (3000 datagrams/s), BENCH_SECS (4),
#   BENCH_REPS (3), BENCH_SIZE (1316 bytes UDP payload), BENCH_LAT_REPS (5),
#   BENCH_LAT_RATE (1000/s), BENCH_WINDOW (4 s: longest wait for a last
#   frame), BENCH_RESULTS (bench/results).
#   BENCH_SMOKE=1: a short run (2 clients, M=1, one 1 s stream, one latency
#   round) for `make check`; results go to tests/out/<test>/ unless
#   BENCH_RESULTS says otherwise.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=bpfstat.sh
. "$(dirname "$0")/bpfstat.sh"

# lib.sh names 6 clients; the bench needs K = 8.  Added here, not in lib.sh.
OM_NAMES+=(grace heidi)

G=239.1.1.1
SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
	K=${BENCH_K:-2} MEMBERS=${BENCH_MEMBERS:-1} RATE=${BENCH_RATE:-1000}
	SECS=${BENCH_SECS:-1} REPS=${BENCH_REPS:-1} LAT_REPS=${BENCH_LAT_REPS:-1}
	WINDOW=${BENCH_WINDOW:-2}
	RESULTS=${BENCH_RESULTS:-$OM_OUT/results}
else
	K=${BENCH_K:-8} MEMBERS=${BENCH_MEMBERS:-1 4 8} RATE=${BENCH_RATE:-3000}
	SECS=${BENCH_SECS:-4} REPS=${BENCH_REPS:-3} LAT_REPS=${BENCH_LAT_REPS:-5}
	WINDOW=${BENCH_WINDOW:-4}
	RESULTS=${BENCH_RESULTS:-$OM_ROOT/bench/results}
fi
MODES=${BENCH_MODES:-plain bpf nflog bridge}
SIZE=${BENCH_SIZE:-1316}
LAT_RATE=${BENCH_LAT_RATE:-1000}
TCK=$(getconf CLK_TCK)

for m in $MEMBERS; do
	[ "$m" -le "$K" ] || om_fail "BENCH_MEMBERS: $m members but only $K clients"
done
for m in $MODES; do
	case "$m" in plain | bpf | nflog | bridge) ;; *) om_fail "BENCH_MODES: unknown mode '$m' (plain bpf nflog bridge)" ;; esac
done
om_need_built
om_need_tools mcsend mcrecv tapcount

SAMPLES="$OM_OUT/samples.tsv"   # one line per stream
LATS="$OM_OUT/latency.tsv"      # one line per latency measurement
MODEINFO="$OM_OUT/modes.tsv"    # mode, available, note
: >"$SAMPLES"
: >"$LATS"
: >"$MODEINFO"

# The bpf statistics switch is global: put it back as it was.
BPF_STATS_OLD=""
bench_restore() {
	[ -z "$BPF_STATS_OLD" ] || sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD" 2>/dev/null || true
}
# set +e first: under set -e the (exit $rc) that hands om_cleanup the status
# would end the trap before the cleanup.
trap 'rc=$?; set +e; bench_restore; (exit $rc); om_cleanup' EXIT

# ---------------------------------------------------------------------------
# What the helper can do

# helper_knows_datapath - the helper accepts the datapath key ("not built"
# otherwise: it rejects it as an unknown key).  Sets DP_ERR to its message.
helper_try_conf() { # EXTRA-LINE
	local f="$OM_OUT/probe.conf"
	printf 'helper = "%s";\ncontrol_socket = "%s/probe.sock";\n%s\n' "$OM_HELPER" "$OM_RUN" "$1" >"$f"
	DP_ERR=$("$OM_HELPER" -t -c "$f" 2>&1 >/dev/null | grep -v '^warning' | head -n 3) || true
	"$OM_HELPER" -t -c "$f" >/dev/null 2>&1
}

# mode_probe MODE - prints "1" when MODE can run here, else "0 <why>".
mode_probe() {
	case "$1" in
	plain) echo 1 ;;
	bridge)
		if ip link add "ombr$$" type bridge 2>/dev/null; then
			ip link del "ombr$$"
			echo 1
		else
			echo "0 cannot create a bridge"
		fi
		;;
	bpf)
		if helper_try_conf 'datapath = "bpf";'; then
			echo 1
		elif grep -q "unknown key 'datapath'" <<<"$DP_ERR"; then
			echo "0 n/a (not built): the helper has no datapath key"
		else
			echo "0 n/a: helper -t refuses datapath = \"bpf\": ${DP_ERR//$'\n'/ }"
		fi
		;;
	nflog)
		if helper_try_conf 'datapath = "nflog";'; then
			echo 1
		elif grep -q "unknown key 'datapath'" <<<"$DP_ERR"; then
			echo "1 the helper's only path (it has no datapath key)"
		else
			echo "0 n/a: helper -t refuses datapath = \"nflog\": ${DP_ERR//$'\n'/ }"
		fi
		;;
	*) om_fail "unknown mode '$1' (plain bpf nflog bridge)" ;;
	esac
}

# ---------------------------------------------------------------------------
# Counters

# cpu_ticks PID... - utime+stime of the processes, in clock ticks (0 for
# processes that are gone).
cpu_ticks() {
	local p t=0 f
	for p in "$@"; do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		# after "comm) ": $1 is field 3 (state); utime = field 14, stime = 15
		t=$((t + $(awk '{ print $12 + $13 }' <<<"$f")))
	done
	echo "$t"
}

# cpu_ns PID... - on-CPU time of all threads, ns (/proc/PID/task/*/schedstat).
cpu_ns() {
	local p t=0 s
	for p in "$@"; do
		for s in /proc/"$p"/task/*/schedstat; do
			[ -r "$s" ] || continue
			t=$((t + $(awk '{ print $1 }' "$s" 2>/dev/null || echo 0)))
		done
	done
	echo "$t"
}

# client_counters - "eth0_rx_bytes tap0_rx_packets" of every client, one
# line per client, in order.
client_counters() {
	local i
	for ((i = 1; i <= K; i++)); do
		om_nsx "c$i" cat /sys/class/net/eth0/statistics/rx_bytes \
			/sys/class/net/tap0/statistics/rx_packets 2>/dev/null | paste -sd' ' || echo "0 0"
	done
}

srv_tx_bytes() {
	om_nsx srv cat /sys/class/net/eth0/statistics/tx_bytes
}

# tap_drops - frames the server's tap0 dropped on transmit (its queue to
# OpenVPN was full).
tap_drops() {
	om_nsx srv cat /sys/class/net/tap0/statistics/tx_dropped
}

# wait_drain - after a sender finished: until no client tap has received a
# frame for 300 ms (at most 5 s).
wait_drain() {
	local last="" now since deadline
	since=$(om_now_us)
	deadline=$((since + 5000000))
	while [ "$(om_now_us)" -lt "$deadline" ]; do
		now=$(client_counters | awk '{ s += $2 } END { print s }')
		if [ "$now" != "$last" ]; then
			last=$now
			since=$(om_now_us)
		elif [ $(($(om_now_us) - since)) -ge 300000 ]; then
			return 0
		fi
		sleep 0.1
	done
}

# ---------------------------------------------------------------------------
# Server per mode

SEND_IF=tap0
HELPER_PIDS=""

mode_start() { # MODE
	local mode=$1 i
	SEND_IF=tap0
	OM_HELPER_EXTRA=""
	case "$mode" in
	plain) om_server_start noplugin ;;
	bpf)
		OM_HELPER_EXTRA='datapath = "bpf";'
		om_server_start plugin
		;;
	nflog)
		helper_try_conf 'datapath = "nflog";' && OM_HELPER_EXTRA='datapath = "nflog";'
		om_server_start plugin
		;;
	bridge)
		om_server_start noplugin
		bridge_setup
		SEND_IF=br0
		;;
	esac
	HELPER_PIDS=$(om_helper_pids | paste -sd' ')
	for ((i = 1; i <= K; i++)); do om_client_start "$i"; done
	[ "$mode" != bridge ] || bridge_querier_wait
}

# bridge_setup - tap0 (created by OpenVPN) becomes the only port of br0,
# the server's VPN address moves to br0; snooping, the bridge as querier
# (source address: br0's), per-host unicast copies on tap0.  Other timers
# stay at the kernel's defaults.
bridge_setup() {
	om_wait 10 "tap0 exists in the server" om_nsx srv test -e /sys/class/net/tap0
	om_nsx srv ip link add br0 type bridge mcast_snooping 1 mcast_querier 1 mcast_query_use_ifaddr 1
	om_nsx srv ip addr del "$OM_SERVER_VPN/24" dev tap0
	om_nsx srv ip link set tap0 master br0
	om_nsx srv ip addr add "$OM_SERVER_VPN/24" dev br0
	om_nsx srv ip link set br0 up
	om_nsx srv bridge link set dev tap0 mcast_to_unicast on
	BRIDGE_T0=$(om_now_us)
	om_log "bridge: br0 with port tap0, mcast_to_unicast on, snooping, querier"
}

# bridge_querier_wait - a bridge forwards by its mdb (per-host copies) only
# once it knows a querier; its own counts after the query response interval
# (10 s by default) since the querier was switched on.  Until then it floods.
bridge_querier_wait() {
	local cs us
	cs=$(om_nsx srv cat /sys/class/net/br0/bridge/multicast_query_response_interval)
	us=$((BRIDGE_T0 + cs * 10000 + 500000 - $(om_now_us)))
	if [ "$us" -gt 0 ]; then
		om_log "bridge: waiting $((us / 1000)) ms until its own querier counts (it floods before)"
		sleep "$(awk -v u="$us" 'BEGIN { printf "%.3f", u / 1e6 }')"
	fi
}

mode_stop() { # MODE
	local i
	for ((i = 1; i <= K; i++)); do
		# KILL: the server goes next, so no exit notification is needed
		if om_alive "${OM_CLIENT_PID[i]:-0}"; then om_client_stop "$i" KILL; fi
	done
	om_server_stop
	[ "$1" != bridge ] || om_nsx srv ip link del br0 2>/dev/null || true
}

# join I - client I's receiver joins G; returns once the data plane of this
# mode knows (helper status, bridge mdb), so that the next stream counts.
join() {
	local i=$1 mode=$2
	om_recv_start "$i" "$G"
	if [ "$mode" = bridge ]; then
		om_wait 5 "bridge mdb lists $G" bridge_has_group
	fi
}

bridge_has_group() {
	om_nsx srv bridge mdb show dev br0 2>/dev/null | grep -qw "$G"
}

# ---------------------------------------------------------------------------
# (a) + (b): one stream of RATE x SECS datagrams, all counters around it

# stream MODE M REP - appends one line to $SAMPLES:
# mode M rep sent member_frames nonmember_frames member_bytes nonmember_bytes
# srv_tx_bytes sender_ticks ovpn_ticks helper_ticks ovpn_ns helper_ns
# bpf_ns bpf_cnt wall_us tap0_tx_dropped
stream() {
	local mode=$1 m=$2 rep=$3 n=$((RATE * SECS)) c0 c1 tx0 tx1 o0 o1 h0 h1 on0 on1 hn0 hn1
	local b0="0 0" b1="0 0" ids="" t0 t1 sent sticks d0 d1
	[ "$mode" = bpf ] && ids=$(bpf_prog_ids)
	c0=$(client_counters)
	tx0=$(srv_tx_bytes) d0=$(tap_drops)
	[ -z "$ids" ] || b0=$(bpf_runtime "$ids")
	o0=$(cpu_ticks "$OM_SERVER_PID") on0=$(cpu_ns "$OM_SERVER_PID")
	# shellcheck disable=SC2086
	h0=$(cpu_ticks $HELPER_PIDS) hn0=$(cpu_ns $HELPER_PIDS)
	t0=$(om_now_us)
	# The sender's own CPU: its parent shell reads cutime+cstime after it.
	om_bg send srv bash -c '"$@"; rc=$?; set -- $(sed "s/.*) //" /proc/$$/stat)
		echo "children_ticks $((${14} + ${15}))"; exit $rc' sh \
		"$OM_TOOLS/mcsend" -g "$G" -p "$OM_MC_PORT" -n "$n" -r "$RATE" -t 8 -s "$SIZE" -i "$SEND_IF"
	om_send_wait send
	wait_drain
	t1=$(om_now_us)
	o1=$(cpu_ticks "$OM_SERVER_PID") on1=$(cpu_ns "$OM_SERVER_PID")
	# shellcheck disable=SC2086
	h1=$(cpu_ticks $HELPER_PIDS) hn1=$(cpu_ns $HELPER_PIDS)
	[ -z "$ids" ] || b1=$(bpf_runtime "$ids")
	tx1=$(srv_tx_bytes) d1=$(tap_drops)
	c1=$(client_counters)
	sent=$(om_send_val send sent)
	sticks=$(awk '$1 == "children_ticks" { print $2 }' "$OM_OUT/send.out")
	cp "$OM_OUT/send.out" "$OM_OUT/send-$mode-m$m-r$rep.out"
	# members are clients 1..M
	paste -d' ' <(echo "$c0") <(echo "$c1") | awk -v m="$m" '
		{ db = $3 - $1; df = $4 - $2
		  if (NR <= m) { mb += db; mf += df } else { nb += db; nf += df } }
		END { printf "%d %d %.1f %s", mf, nf, mb / m, (NR > m) ? sprintf("%.1f", nb / (NR - m)) : "-" }' >"$OM_OUT/agg"
	echo "$mode $m $rep $sent $(cat "$OM_OUT/agg") $((tx1 - tx0)) $sticks $((o1 - o0)) $((h1 - h0))" \
		"$((on1 - on0)) $((hn1 - hn0))" \
		"$(($(cut -d' ' -f1 <<<"$b1") - $(cut -d' ' -f1 <<<"$b0")))" \
		"$(($(cut -d' ' -f2 <<<"$b1") - $(cut -d' ' -f2 <<<"$b0")))" "$((t1 - t0))" "$((d1 - d0))" >>"$SAMPLES"
	om_log "sample: $(tail -n 1 "$SAMPLES")"
}

# ---------------------------------------------------------------------------
# (d) latencies.  Client 1 stays a member the whole time, so the group is
# flowing; client J = K (not a member) joins, leaves and disconnects.

# first_after LOG T_US - the first frame of G in a tapcount frame log later
# than T_US (us), empty if none.
first_after() {
	awk -v g="$G" -v t="$2" '$2 == g && $3 == "udp" { split($1, a, "."); us = a[1] * 1000000 + a[2];
		if (us > t) { printf "%.0f\n", us; exit } }' "$1" 2>/dev/null
}

last_in() { # LOG - time (us) of the last frame of G in a tapcount frame log
	awk -v g="$G" '$2 == g && $3 == "udp" { split($1, a, "."); l = a[1] * 1000000 + a[2] } END { printf "%.0f\n", l }' "$1"
}

# quiet_since FILE-COUNT-CMD - wait until the count printed by CMD has not
# changed for 500 ms or WINDOW seconds passed; true when it went quiet.
quiet_wait() {
	local last="" now since deadline
	since=$(om_now_us)
	deadline=$((since + WINDOW * 1000000))
	while [ "$(om_now_us)" -lt "$deadline" ]; do
		now=$("$@")
		if [ "$now" != "$last" ]; then
			last=$now
			since=$(om_now_us)
		elif [ $(($(om_now_us) - since)) -ge 500000 ]; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

log_lines() { wc -l <"$1" 2>/dev/null || echo 0; }

# tcpd_start MAC - capture on the server's tap0, both directions, the
# frames from or to MAC: its IGMP and the group copies addressed to it.
PCAP=""
tcpd_start() { # MAC NAME
	tcpd_stop
	PCAP="$OM_OUT/lat-$2-$1.pcap"
	PCAP=${PCAP//:/}
	om_bg tcpd srv tcpdump -i tap0 -U -nn -s 96 -w "$PCAP" "ether host $1 and (igmp or (udp and dst net 224.0.0.0/4))"
	om_wait 5 "tcpdump on tap0 listening" grep -qs 'listening on' "$OM_OUT/tcpd.err"
}

tcpd_stop() {
	[ -z "${OM_BG_PID[tcpd]:-}" ] || om_bg_stop tcpd
}

# pcap_times - "us direction kind" per frame of $PCAP: direction "from" or
# "to" the client, kind igmp or data.
pcap_times() {
	tcpdump -r "$PCAP" -nn -e -tt 2>/dev/null | awk -v mac="$1" '{
		split($1, a, "."); us = sprintf("%.0f", a[1] * 1000000 + a[2])
		print us, ($2 == mac) ? "from" : "to", / igmp /  ? "igmp" : "data" }'
}

# pcap_first MAC DIR KIND T_US [T_END] - first such frame after T_US (and
# before T_END), empty if none
pcap_first() {
	pcap_times "$1" | awk -v d="$2" -v k="$3" -v t="$4" -v e="${5:-9999999999999999}" \
		'$2 == d && $3 == k && $1 > t && $1 < e { print $1; exit }'
}

# pcap_last_to MAC - time (us) of the last copy to MAC, 0 if none.
pcap_last_to() {
	pcap_times "$1" | awk '$2 == "to" && $3 == "data" { l = $1 } END { printf "%.0f\n", l }'
}

# pcap_last_before MAC T_US - the last copy to MAC before T_US, 0 if none.
pcap_last_before() {
	pcap_times "$1" | awk -v t="$2" '$2 == "to" && $3 == "data" && $1 < t { l = $1 } END { printf "%.0f\n", l }'
}

# lat_add MODE KIND REP T0 T1 - one latency; nothing when T1 is empty.
lat_add() {
	[ -n "$5" ] || return 0
	echo "$1 $2 $3 $(($5 > $4 ? $5 - $4 : 0)) 0" >>"$LATS"
}

latency() {
	local mode=$1 j=$K r t_join first t_leave last t_disc line mac cn censored
	local -a rounds=()
	cn=${OM_CLIENT_CN[j]}
	om_send_start lat srv "$G" $((LAT_RATE * 3600)) "$LAT_RATE" "$SEND_IF"
	sleep 0.3
	om_cap_start "$j"
	# J may still get copies from its membership in the last stream (the
	# bridge takes 2 s to act on a leave): start from a quiet tap.
	quiet_wait log_lines "$OM_OUT/frames-c$j.log" || om_log "latency: client $j's tap not quiet after $WINDOW s"
	mac=$(om_if_mac "c$j" tap0)
	tcpd_start "$mac" "$mode-joinleave"
	for ((r = 1; r <= LAT_REPS; r++)); do
		om_bg "recv-c$j-$G" "c$j" "$OM_TOOLS/mcrecv" -g "$G" -p "$OM_MC_PORT" -i tap0
		om_wait 5 "client $j joined" om_bg_alive_grep "recv-c$j-$G" '^joined '
		t_join=$(awk '$1 == "joined" { sub(/\./, "", $2); print $2; exit }' "$OM_OUT/recv-c$j-$G.out")
		if om_try_wait $((WINDOW * 1000000)) eval '[ -n "$(first_after "$OM_OUT/frames-c$j.log" "$t_join")" ]'; then
			first=$(first_after "$OM_OUT/frames-c$j.log" "$t_join")
			echo "$mode join $r $((first - t_join)) 0" >>"$LATS"
		else
			echo "$mode join $r $((WINDOW * 1000000)) 1" >>"$LATS"
		fi
		sleep 0.3
		t_leave=$(om_recv_leave "$j" "$G")
		censored=0
		quiet_wait log_lines "$OM_OUT/frames-c$j.log" || censored=1
		last=$(last_in "$OM_OUT/frames-c$j.log")
		last=$((last > t_leave ? last - t_leave : 0))
		[ "$censored" = 0 ] || last=$((WINDOW * 1000000))
		echo "$mode leave $r $last $censored" >>"$LATS"
		rounds+=("$r $t_join $t_leave $censored")
		om_recv_stop "$j" "$G"
		mv "$OM_OUT/recv-c$j-$G.out" "$OM_OUT/lat-recv-$mode-$r.out"
		[ "$censored" = 0 ] || break # still flowing: later joins would not mean anything
	done
	om_cap_stop "$j"
	mv "$OM_OUT/frames-c$j.log" "$OM_OUT/lat-frames-$mode.log"
	# Where the time went, from the server's tap0; read once the capture
	# is closed (reading it while tcpdump writes lost frames now and then).
	tcpd_stop
	local i t_next
	for ((i = 0; i < ${#rounds[@]}; i++)); do
		read -r r t_join t_leave censored <<<"${rounds[i]}"
		t_next=9999999999999999
		[ $((i + 1)) -ge ${#rounds[@]} ] || t_next=$(cut -d' ' -f2 <<<"${rounds[i + 1]}")
		lat_add "$mode" join_report "$r" "$t_join" "$(pcap_first "$mac" from igmp "$t_join" "$t_leave")"
		lat_add "$mode" join_server "$r" "$t_join" "$(pcap_first "$mac" to data "$t_join" "$t_leave")"
		lat_add "$mode" leave_report "$r" "$t_leave" "$(pcap_first "$mac" from igmp "$t_leave" "$t_next")"
		[ "$censored" = 1 ] || lat_add "$mode" leave_server "$r" "$t_leave" "$(pcap_last_before "$mac" "$t_next")"
	done

	# CLIENT_DISCONNECT -> last copy to that client's MAC leaving tap0.
	for ((r = 1; r <= LAT_REPS; r++)); do
		om_recv_start "$j" "$G"
		mac=$(om_if_mac "c$j" tap0)
		tcpd_start "$mac" "$mode-disconnect$r"
		om_wait 5 "copies to $cn's MAC on tap0" eval '[ "$(pcap_last_to "$mac")" -gt 0 ]'
		line=$(om_server_disconnect_line "$cn" || true)
		om_client_stop "$j"
		om_wait 10 "server logs $cn's disconnect" eval '[ "$(om_server_disconnect_line "$cn")" != "$line" ]'
		line=$(om_server_disconnect_line "$cn" || true)
		t_disc=$(om_log_time_us "$line")
		censored=0
		quiet_wait pcap_last_to "$mac" || censored=1
		tcpd_stop # read the closed capture: a live read can miss frames
		last=$(pcap_last_to "$mac")
		last=$((last > t_disc ? last - t_disc : 0))
		[ "$censored" = 0 ] || last=$((WINDOW * 1000000))
		echo "$mode disconnect $r $last $censored" >>"$LATS"
		om_recv_stop "$j" "$G"
		[ "$censored" = 0 ] || break
		[ "$r" = "$LAT_REPS" ] || om_client_start "$j"
	done
	tcpd_stop
	om_bg_stop lat
	om_log "latency $mode: $(awk -v m="$mode" '$1 == m' "$LATS" | paste -sd';')"
}

# ---------------------------------------------------------------------------
# Report: summary (medians), JSON, table, picture

# summarize - $OM_OUT/summary.tsv: "mode m metric median" per stream metric,
# and "mode - lat_KIND median_ms censored" per latency.
summarize() {
	awk -v tck="$TCK" '
	function med(key,   n, i, j, t, a) {
		n = cnt[key]
		for (i = 1; i <= n; i++) a[i] = v[key, i]
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function put(mode, m, metric, val,   key) {
		key = mode SUBSEP m SUBSEP metric
		if (!(key in cnt)) order[++nk] = key
		v[key, ++cnt[key]] = val
	}
	FILENAME ~ /samples/ {
		mode = $1; m = $2; sent = $4; copies = $5
		if (copies <= 0 || sent <= 0) next
		us = 1000000 / tck
		put(mode, m, "cpu_us_per_copy", ($10 + $11 + $12) * us / copies)
		put(mode, m, "cpu_us_per_sent_copy", ($10 + $11 + $12) * us / (sent * m))
		put(mode, m, "sender_us_per_copy", $10 * us / copies)
		put(mode, m, "openvpn_us_per_copy", $11 * us / copies)
		put(mode, m, "helper_us_per_copy", $12 * us / copies)
		put(mode, m, "openvpn_helper_sched_us_per_copy", ($13 + $14) / 1000 / copies)
		put(mode, m, "delivered_pct", 100 * copies / (sent * m))
		put(mode, m, "member_bytes_per_dgram", $7 / sent)
		if ($8 != "-") put(mode, m, "nonmember_bytes_per_dgram", $8 / sent)
		put(mode, m, "nonmember_frames_per_dgram", ($8 != "-") ? $6 / sent / ('"$K"' - m) : 0)
		put(mode, m, "server_tx_bytes_per_dgram", $9 / sent)
		if ($16 > 0) { put(mode, m, "bpf_ns_per_copy", $15 / copies); put(mode, m, "bpf_runs_per_copy", $16 / copies) }
		put(mode, m, "achieved_pps", sent * 1000000 / $17)
		put(mode, m, "tap_drops_per_dgram", $18 / sent)
		next
	}
	{ put($1, "-", "lat_" $2, $4 / 1000); if ($5) cens[$1 SUBSEP "lat_" $2] = 1 }
	END {
		for (k = 1; k <= nk; k++) {
			split(order[k], f, SUBSEP)
			c = (f[2] == "-") ? ((f[1] SUBSEP f[3]) in cens) : ""
			printf "%s\t%s\t%s\t%.6g\t%s\t%d\n", f[1], f[2], f[3], med(order[k]), c, cnt[order[k]]
		}
	}' "$SAMPLES" "$LATS" >"$OM_OUT/summary.tsv"
}

# get MODE M METRIC - the median, empty if none.
get() {
	awk -F'\t' -v a="$1" -v b="$2" -v c="$3" '$1 == a && $2 == b && $3 == c { print $4 }' "$OM_OUT/summary.tsv"
}
censored() { # MODE KIND
	awk -F'\t' -v a="$1" -v c="lat_$2" '$1 == a && $3 == c && $5 == 1 { f = 1 } END { exit !f }' "$OM_OUT/summary.tsv"
}

jstr() { # STRING - as a JSON string
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "${s//$'\t'/ }"
}
jnum() { # VALUE - number or null
	if [[ "$1" =~ ^-?[0-9.]+(e[-+]?[0-9]+)?$ ]]; then printf '%s' "$1"; else printf null; fi
}

write_json() {
	local f=$1 mode avail note m first metric val
	{
		printf '{\n  "bench": "openvpn-mcast make bench",\n  "schema": 1,\n'
		printf '  "time": %s,\n  "smoke": %s,\n' "$(jstr "$STAMP_ISO")" "$([ "$SMOKE" = 1 ] && echo true || echo false)"
		printf '  "host": {"kernel": %s, "cpus": %s, "openvpn": %s, "loadavg_start": %s, "loadavg_end": %s},\n' \
			"$(jstr "$(uname -r)")" "$(nproc)" "$(jstr "$OVPN_VER")" "$(jstr "$LOAD0")" "$(jstr "$(cut -d' ' -f1-3 /proc/loadavg)")"
		printf '  "params": {"clients": %s, "members": [%s], "rate_pps": %s, "seconds": %s, "payload_bytes": %s, "reps": %s, "latency_reps": %s, "latency_rate_pps": %s, "window_s": %s, "clk_tck": %s, "group": "%s"},\n' \
			"$K" "$(echo $MEMBERS | tr ' ' ,)" "$RATE" "$SECS" "$SIZE" "$REPS" "$LAT_REPS" "$LAT_RATE" "$WINDOW" "$TCK" "$G"
		printf '  "modes": [\n'
		first=1
		while IFS=$'\t' read -r mode avail note; do
			[ "$first" = 1 ] || printf ',\n'
			first=0
			printf '    {"mode": %s, "available": %s, "note": %s, "helper_log": %s,\n' "$(jstr "$mode")" \
				"$([ "$avail" = 1 ] && echo true || echo false)" "$(jstr "$note")" "$(jstr "${HLOG[$mode]:-}")"
			printf '     "results": ['
			local fm=1
			for m in $MEMBERS; do
				[ -n "$(get "$mode" "$m" cpu_us_per_copy)" ] || continue
				[ "$fm" = 1 ] || printf ','
				fm=0
				printf '\n       {"members": %s' "$m"
				for metric in cpu_us_per_copy cpu_us_per_sent_copy sender_us_per_copy openvpn_us_per_copy helper_us_per_copy \
					openvpn_helper_sched_us_per_copy bpf_ns_per_copy bpf_runs_per_copy delivered_pct \
					member_bytes_per_dgram nonmember_bytes_per_dgram nonmember_frames_per_dgram \
					server_tx_bytes_per_dgram tap_drops_per_dgram achieved_pps; do
					printf ', "%s": %s' "$metric" "$(jnum "$(get "$mode" "$m" "$metric")")"
				done
				printf ',\n        "samples": [%s]}' "$(awk -v a="$mode" -v b="$m" '$1 == a && $2 == b {
					printf "%s{\"rep\": %d, \"sent\": %d, \"member_frames\": %d, \"nonmember_frames\": %d, \"member_client_bytes\": %s, \"nonmember_client_bytes\": %s, \"server_tx_bytes\": %d, \"sender_ticks\": %d, \"openvpn_ticks\": %d, \"helper_ticks\": %d, \"openvpn_sched_ns\": %d, \"helper_sched_ns\": %d, \"bpf_run_time_ns\": %d, \"bpf_run_cnt\": %d, \"wall_us\": %d, \"tap0_tx_dropped\": %d}",
						s, $3, $4, $5, $6, $7, ($8 == "-") ? "null" : $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18; s = ", " }' "$SAMPLES")"
			done
			printf '],\n     "latency_ms": {'
			local fk=1 kind
			for kind in join leave disconnect join_report join_server leave_report leave_server; do
				val=$(get "$mode" - "lat_$kind")
				[ "$fk" = 1 ] || printf ', '
				fk=0
				printf '"%s": {"median": %s, "censored": %s, "samples": [%s]}' "$kind" "$(jnum "$val")" \
					"$(censored "$mode" "$kind" && echo true || echo false)" \
					"$(awk -v a="$mode" -v k="$kind" '$1 == a && $2 == k { printf "%s%.3f", s, $4 / 1000; s = ", " }' "$LATS")"
			done
			printf '}}'
		done <"$MODEINFO"
		printf '\n  ]\n}\n'
	} >"$f"
}

# fmt VALUE [DECIMALS] - a number for the table, "-" if empty.
fmt() {
	if [ -z "$1" ]; then echo -; else printf "%.${2:-0}f" "$1"; fi
}

lat_cell() { # MODE KIND
	local v
	v=$(get "$1" - "lat_$2")
	if [ -z "$v" ]; then
		echo -
	elif censored "$1" "$2"; then
		echo ">$((WINDOW * 1000))"
	else
		printf '%.1f' "$v"
	fi
}

print_table() {
	local mode avail note m hdr row v b
	local -a ms=($MEMBERS)
	echo
	echo "openvpn-mcast bench, $STAMP_ISO, kernel $(uname -r), $(nproc) CPUs, OpenVPN $OVPN_VER"
	echo "K=$K clients, one stream of ${SIZE}-byte datagrams at $RATE/s for $SECS s sent on the server," \
		"median of $REPS; latencies at $LAT_RATE/s, median of $LAT_REPS, cut off at $WINDOW s"
	local -a ws=()
	for m in "${ms[@]}"; do [ "$m" -ge "$K" ] || ws+=("$m"); done
	hdr=$(printf '%-7s' mode)
	for m in "${ws[@]}"; do hdr+=$(printf ' %9s' "waste M=$m"); done
	for m in "${ms[@]}"; do hdr+=$(printf ' %9s' "cpu M=$m"); done
	for m in "${ms[@]}"; do hdr+=$(printf ' %8s' "/br M=$m"); done
	hdr+=$(printf ' %8s %8s %8s' join leave discon)
	for m in "${ms[@]}"; do hdr+=$(printf ' %9s' "deliv M=$m"); done
	echo "$hdr"
	while IFS=$'\t' read -r mode avail note; do
		row=$(printf '%-7s' "$mode")
		if [ "$avail" != 1 ]; then
			echo "$row $note"
			continue
		fi
		for m in "${ws[@]}"; do row+=$(printf ' %9s' "$(fmt "$(get "$mode" "$m" nonmember_bytes_per_dgram)")"); done
		for m in "${ms[@]}"; do row+=$(printf ' %9s' "$(fmt "$(get "$mode" "$m" cpu_us_per_copy)" 1)"); done
		for m in "${ms[@]}"; do
			v=$(get "$mode" "$m" cpu_us_per_copy) b=$(get bridge "$m" cpu_us_per_copy)
			if [ -n "$v" ] && [ -n "$b" ]; then
				row+=$(printf ' %8.2f' "$(awk -v a="$v" -v b="$b" 'BEGIN { print a / b }')")
			else
				row+=$(printf ' %8s' -)
			fi
		done
		if [ "$mode" = plain ]; then
			row+=$(printf ' %8s %8s %8s' floods floods floods)
		else
			row+=$(printf ' %8s %8s %8s' "$(lat_cell "$mode" join)" "$(lat_cell "$mode" leave)" "$(lat_cell "$mode" disconnect)")
		fi
		for m in "${ms[@]}"; do row+=$(printf ' %8s%%' "$(fmt "$(get "$mode" "$m" delivered_pct)" 1)"); done
		echo "$row"
	done <"$MODEINFO"
	echo "waste: VPN bytes a non-member client received per datagram sent; cpu: server CPU µs per delivered copy"
	echo "(sender + OpenVPN server + helper, /proc/PID/stat); /br: cpu divided by the bridge's;"
	echo "join/leave/discon: ms from the join, the leave, OpenVPN's disconnect to the first / last frame;"
	echo "deliv: copies that reached the members' taps, of datagrams sent x M.  Details: ${JSON_OUT#"$OM_ROOT"/}"
}

plot() { # PNG
	local png=$1 dat="$OM_OUT/plot.dat" mode avail note m cmd="" idx=0
	command -v gnuplot >/dev/null || { om_log "gnuplot not installed: no picture (Debian: gnuplot-nox)"; return 0; }
	: >"$dat"
	while IFS=$'\t' read -r mode avail note; do
		[ "$avail" = 1 ] || continue
		{
			echo "# $mode"
			for m in $MEMBERS; do
				v=$(get "$mode" "$m" cpu_us_per_copy)
				[ -z "$v" ] || echo "$m $v"
			done
			echo
			echo
		} >>"$dat"
		cmd+="${cmd:+, }'$dat' index $idx using 1:2 with linespoints lw 2 pt 7 title '$mode'"
		idx=$((idx + 1))
	done <"$MODEINFO"
	[ -n "$cmd" ] || return 0
	gnuplot <<EOF 2>"$OM_OUT/gnuplot.err" || om_log "gnuplot failed: $(head -n 3 "$OM_OUT/gnuplot.err")"
set terminal pngcairo size 800,500 noenhanced font ',10'
set output '$png'
set title "Server CPU per delivered copy (sender + OpenVPN + helper)\nK=$K clients, $RATE pkt/s of $SIZE bytes, $STAMP_ISO"
set xlabel 'members of the group (M)'
set ylabel 'CPU µs per copy (median)'
set xtics ($(for m in $MEMBERS; do printf '"%s" %s,' "$m" "$m"; done | sed 's/,$//'))
set logscale y
set grid
set key top right
plot $cmd
EOF
}

# ---------------------------------------------------------------------------
# Main

STAMP=$(date +%Y%m%d-%H%M%S)
STAMP_ISO=$(date -Iseconds)
OVPN_VER=$(openvpn --version 2>/dev/null | awk 'NR == 1 { print $2 }')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A HLOG=()
mkdir -p "$RESULTS"
JSON_OUT="$RESULTS/latest.json"

om_topo_vpn "$K"
for mode in $MODES; do
	read -r avail note <<<"$(mode_probe "$mode")"
	printf '%s\t%s\t%s\n' "$mode" "$avail" "$note" >>"$MODEINFO"
	if [ "$avail" != 1 ]; then
		om_log "mode $mode: $note"
		continue
	fi
	om_log "=== mode $mode ${note:+($note)}"
	if [ "$mode" = bpf ] && command -v bpftool >/dev/null; then
		BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo "")
		sysctl -qw kernel.bpf_stats_enabled=1 || BPF_STATS_OLD=""
	fi
	mode_start "$mode"
	[ -z "$HELPER_PIDS" ] || HLOG[$mode]=$(grep -iE 'datapath|data path|bpf|nflog' "$OM_OUT/server.log" |
		grep -i helper | tail -n 3 | sed 's/^[0-9-]* [0-9:]* us=[0-9]* //' | paste -sd'|')
	have=0
	for m in $MEMBERS; do
		while [ "$have" -lt "$m" ]; do
			have=$((have + 1))
			join "$have" "$mode"
		done
		for ((rep = 1; rep <= REPS; rep++)); do
			stream "$mode" "$m" "$rep"
		done
	done
	# latencies: client 1 keeps the group flowing
	for ((i = have; i >= 2; i--)); do om_recv_stop "$i" "$G"; done
	[ "$mode" = plain ] || [ "$K" -lt 2 ] || latency "$mode"
	om_recv_stop 1 "$G"
	mode_stop "$mode"
	# The next server must not find this one's "Initialization Sequence
	# Completed" (om_server_start polls the log), nor the clients theirs.
	mv "$OM_OUT/server.log" "$OM_OUT/server-$mode.log"
	for ((i = 1; i <= K; i++)); do
		mv "$OM_OUT/client-${OM_CLIENT_ID[i]}.log" "$OM_OUT/client-${OM_CLIENT_ID[i]}-$mode.log" 2>/dev/null || true
	done
	bench_restore
	BPF_STATS_OLD=""
done

# A mode that ran must have given figures (bash abandons a loop on some
# expansion errors instead of exiting: catch that here).
while IFS=$'\t' read -r mode avail note; do
	[ "$avail" != 1 ] || grep -q "^$mode " "$SAMPLES" || om_fail "mode $mode ran but gave no sample"
	[ "$avail" != 1 ] || [ "$mode" = plain ] || [ "$K" -lt 2 ] || grep -q "^$mode disconnect " "$LATS" ||
		om_fail "mode $mode ran but gave no latency"
done <"$MODEINFO"
summarize
write_json "$JSON_OUT"
cp "$JSON_OUT" "$RESULTS/bench-$STAMP.json"
cp "$SAMPLES" "$RESULTS/latest-samples.tsv"
plot "$RESULTS/latest.png"
[ ! -f "$RESULTS/latest.png" ] || cp "$RESULTS/latest.png" "$RESULTS/bench-$STAMP.png"
print_table | tee "$RESULTS/latest.txt"
