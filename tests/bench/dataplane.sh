#!/bin/bash
# tests/bench/dataplane.sh - `make bench-dataplane`: the data plane alone,
# without OpenVPN and its crypto (stretch parts (c) and (e) of the bench).
#
# tests/bench/dpsink stands in for OpenVPN: it owns the tap, starts the real
# helper and speaks the plugin protocol to it (fake clients with MACs
# 02:00:00:00:hi:lo), writes their IGMP reports into the tap and counts the
# copies the data plane writes back into the tap, per destination MAC.  A
# sender on the server (mcsend, tap0 as multicast interface) offers the
# stream.  Real helper, real nftables / tc-BPF, real tap.
#
# (c) per path and fan-out F (1 8 64 1024 members, F clients): offered
#     copies/s rising (DP_LEVELS) until copies are lost; each level's cost
#     per copy = sender + helper CPU (utime+stime) / copies, and on the bpf
#     path the programs' run time.  "max lossless" = the highest level at
#     which every member got every datagram.
# (e) scale: 1000 clients x 32 groups, every client in every group (32000
#     memberships): helper RSS, BPF map memory (memlock of the helper's
#     maps), cost per packet into one group (1000 copies); and 1000 clients
#     with 32 members per group, to see cost follow the members, not the
#     clients.
# A benchmark: asserts nothing about speed.  Writes a table to stdout and
# BENCH_RESULTS/dataplane-latest.json.
#   Knobs: DP_PATHS ("bpf nflog"), DP_FANOUTS ("1 8 64 1024"),
#   DP_LEVELS (copies/s, "10000 30000 100000 300000 1000000"), DP_SECS (3),
#   DP_SCALE (1: run (e)), BENCH_RESULTS (bench/results).
. "$(dirname "$0")/../lib.sh"
# shellcheck source=bpfstat.sh
. "$(dirname "$0")/bpfstat.sh"

PATHS=${DP_PATHS:-bpf nflog}
FANOUTS=${DP_FANOUTS:-1 8 64 1024}
LEVELS=${DP_LEVELS:-10000 30000 100000 300000 1000000}
SECS=${DP_SECS:-3}
SCALE=${DP_SCALE:-1}
RESULTS=${BENCH_RESULTS:-$OM_ROOT/bench/results}
SINK="$OM_ROOT/tests/bench/dpsink"
TCK=$(getconf CLK_TCK)
G0=239.2.0.0
om_need_file "$OM_HELPER" helper
om_need_file "$SINK" "tests/bench/dpsink"
om_need_tools mcsend
mkdir -p "$RESULTS"
ROWS="$OM_OUT/rows.tsv"
SCALES="$OM_OUT/scale.tsv"
: >"$ROWS"
: >"$SCALES"

BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo "")
[ -z "$BPF_STATS_OLD" ] || sysctl -qw kernel.bpf_stats_enabled=1
trap 'rc=$?; set +e; [ -z "$BPF_STATS_OLD" ] || sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD"; (exit $rc); om_cleanup' EXIT

om_ns_add srv

cpu_ticks() {
	local p t=0 f
	for p in "$@"; do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + $(awk '{ print $12 + $13 }' <<<"$f")))
	done
	echo "$t"
}

# map_bytes - memlock bytes of the BPF maps that the programs on tap0 use
# (their map_ids; bpftool here does not list maps by process).
map_bytes() {
	local id m total=0 ml
	command -v bpftool >/dev/null || { echo 0; return; }
	for id in $(bpf_prog_ids); do
		for m in $(bpftool prog show id "$id" 2>/dev/null | grep -o 'map_ids [0-9,]*' | awk '{ print $2 }' | tr , ' '); do
			echo "$m"
		done
	done | sort -u | while read -r m; do
		bpftool map show id "$m" 2>/dev/null | grep -o 'memlock [0-9]*B' | tr -dc '0-9'
		echo
	done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

path_probe() { # PATH - the helper config line, or fails
	local f="$OM_OUT/probe.conf"
	printf 'helper = "%s";\ncontrol_socket = "%s/probe.sock";\ndatapath = "%s";\n' "$OM_HELPER" "$OM_RUN" "$1" >"$f"
	"$OM_HELPER" -t -c "$f" >/dev/null 2>&1
}

# sink_start N GROUPS MEMBERS - dpsink with the helper, all reports written
# and the helper's status showing the memberships.
sink_start() {
	local n=$1 g=$2 m=$3
	om_helper_conf
	om_bg sink srv "$SINK" -H "$OM_HELPER" -c "$OM_OUT/helper.conf" -n "$n" -g "$g" -m "$m"
	om_wait 60 "dpsink ready (sink.err)" om_bg_alive_grep sink '^ready$'
	om_wait 60 "helper lists $m members of $G0" group_members_are "$m"
	HPID=$(om_helper_pids | head -n 1)
}

group_members_are() {
	[ "$(om_status_group "$G0" 2>/dev/null | cut -d, -f3)" = "$1" ]
}

# sink_counts - make dpsink print its counts since the last time; the line.
sink_counts() {
	local before
	before=$(grep -c '^sink ' "$OM_OUT/sink.out" || true)
	kill -USR1 "${OM_BG_PID[sink]}"
	om_wait 5 "dpsink counts" eval '[ "$(grep -c "^sink " "$OM_OUT/sink.out")" -gt '"$before"' ]'
	grep '^sink ' "$OM_OUT/sink.out" | tail -n 1
}

sval() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# level PATH F RATE - one stream of RATE x SECS datagrams to G0; prints
# "sent copies members_hit min sender_ticks helper_ticks bpf_ns bpf_cnt wall_us"
level() {
	local rate=$3 n=$(($3 * SECS)) h0 h1 b0 b1 t0 t1 line sticks
	sink_counts >/dev/null
	h0=$(cpu_ticks "$HPID") b0=$(bpf_runtime) t0=$(om_now_us)
	om_bg send srv bash -c '"$@"; rc=$?; set -- $(sed "s/.*) //" /proc/$$/stat)
		echo "children_ticks $((${14} + ${15}))"; exit $rc' sh \
		"$OM_TOOLS/mcsend" -g "$G0" -p 5000 -n "$n" -r "$rate" -t 8 -s 1316 -i tap0
	# A sender that cannot reach the rate is stopped after SECS + 2 s: the
	# level then counts what it did send (mcsend prints it on SIGTERM).
	if ! om_try_wait $(((SECS + 2) * 1000000)) om_not_alive "${OM_BG_PID[send]}"; then
		kill -TERM $(pgrep -P "${OM_BG_PID[send]}") 2>/dev/null || true
	fi
	om_send_wait send
	t1=$(om_now_us)
	sleep 0.5 # copies still on their way to the sink
	h1=$(cpu_ticks "$HPID") b1=$(bpf_runtime)
	line=$(sink_counts)
	sticks=$(awk '$1 == "children_ticks" { print $2 }' "$OM_OUT/send.out")
	echo "$(om_send_val send sent) $(sval "$line" copies) $(sval "$line" members_hit) $(sval "$line" min)" \
		"$sticks $((h1 - h0)) $((${b1% *} - ${b0% *})) $((${b1#* } - ${b0#* })) $((t1 - t0))"
}

for path in $PATHS; do
	if ! path_probe "$path"; then
		om_log "path $path: not available (helper -t refuses datapath = \"$path\")"
		printf '%s\t-\t-\tn/a\n' "$path" >>"$ROWS"
		continue
	fi
	OM_HELPER_EXTRA="datapath = \"$path\";"
	for f in $FANOUTS; do
		sink_start "$f" 1 "$f"
		om_log "path $path, fan-out $f: helper pid $HPID, RSS $(awk '/VmRSS/ { print $2, $3 }' "/proc/$HPID/status")"
		for c in $LEVELS; do
			rate=$(((c + f - 1) / f))
			r=$(level "$path" "$f" "$rate")
			om_log "  $path F=$f rate=$rate: $r"
			printf '%s\t%s\t%s\t%s\n' "$path" "$f" "$rate" "$r" >>"$ROWS"
			read -r sent copies hit mn _ <<<"$r"
			[ "$copies" -eq $((sent * f)) ] || break
		done
		om_bg_stop sink
	done
	if [ "$SCALE" = 1 ]; then
		for spec in "1000 32 1000 100" "1000 32 32 1000"; do
			read -r n g m rate <<<"$spec"
			sink_start "$n" "$g" "$m"
			sleep 1
			rss=$(awk '/VmRSS/ { print $2 }' "/proc/$HPID/status")
			maps=$(map_bytes)
			r=$(level "$path" "$m" "$rate")
			om_log "  scale $path n=$n g=$g m=$m rate=$rate: rss=${rss}kB maps=${maps}B $r"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$n" "$g" "$m" "$rate" "$rss" "$maps" "$r" >>"$SCALES"
			om_bg_stop sink
		done
	fi
done

# ---------------------------------------------------------------------------
# Report

us_per() { # TICKS COPIES
	awk -v t="$1" -v c="$2" -v k="$TCK" 'BEGIN { if (c > 0) printf "%.2f", t * 1000000 / k / c; else print "-" }'
}

{
	echo
	echo "openvpn-mcast data plane alone (no OpenVPN), $(date -Iseconds), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "(c) copies into the tap read by dpsink; cost = sender + helper CPU per copy at the highest lossless level"
	printf '%-6s %6s %14s %12s %10s %10s %10s\n' path fanout "max lossless/s" "first loss/s" "us/copy" "bpf ns/cp" "delivered"
	for path in $PATHS; do
		for f in $FANOUTS; do
			awk -F'\t' -v p="$path" -v f="$f" -v k="$TCK" -v s="$SECS" '
				$1 == p && $4 == "n/a" && !na { printf "%-6s %6s  n/a (not built or refused)\n", p, "-"; na = 1 }
				$1 == p && $2 == f {
					split($4, a, " ")
					cps = a[2] / (a[9] / 1e6)
					if (a[2] == a[1] * f) { best = sprintf("%.0f", a[2] / (a[9] / 1e6)); cost = (a[2] > 0) ? sprintf("%.2f", (a[5] + a[6]) * 1e6 / k / a[2]) : "-"
						bns = (a[2] > 0 && a[7] > 0) ? sprintf("%.0f", a[7] / a[2]) : "-"; dl = "100%" }
					else if (loss == "") { loss = sprintf("%.0f", a[1] * f / (a[9] / 1e6)); dl = sprintf("%.2f%%", 100 * a[2] / (a[1] * f)) }
					seen = 1 }
				END { if (seen) printf "%-6s %6d %14s %12s %10s %10s %10s\n", p, f, best ? best : "none", loss ? loss : "none", cost ? cost : "-", bns ? bns : "-", dl }' "$ROWS"
		done
	done
	if [ -s "$SCALES" ]; then
		echo "(e) scale: helper RSS, BPF map memory, cost per packet into one group"
		printf '%-6s %7s %6s %8s %7s %9s %10s %10s %10s\n' path clients groups members pkt/s "RSS MiB" "maps MiB" "us/packet" "delivered"
		awk -F'\t' -v k="$TCK" '{ split($8, a, " ");
			printf "%-6s %7d %6d %8d %7d %9.1f %10.2f %10.1f %9.2f%%\n", $1, $2, $3, $4, $5, $6 / 1024, $7 / 1048576,
				(a[1] > 0) ? (a[5] + a[6]) * 1e6 / k / a[1] : 0, (a[1] > 0) ? 100 * a[2] / (a[1] * $4) : 0 }' "$SCALES"
	fi
} | tee "$RESULTS/dataplane-latest.txt"

{
	printf '{\n  "bench": "openvpn-mcast data plane alone", "schema": 1, "time": "%s", "kernel": "%s", "cpus": %s,\n' \
		"$(date -Iseconds)" "$(uname -r)" "$(nproc)"
	printf '  "params": {"secs": %s, "payload_bytes": 1316, "clk_tck": %s},\n  "levels": [' "$SECS" "$TCK"
	awk -F'\t' '$4 != "n/a" { split($4, a, " ");
		printf "%s\n    {\"path\": \"%s\", \"fanout\": %d, \"rate_pps\": %d, \"sent\": %d, \"copies\": %d, \"members_hit\": %d, \"min_per_member\": %d, \"sender_ticks\": %d, \"helper_ticks\": %d, \"bpf_run_time_ns\": %d, \"bpf_run_cnt\": %d, \"wall_us\": %d}",
			s, $1, $2, $3, a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]; s = "," }' "$ROWS"
	printf '\n  ],\n  "scale": ['
	awk -F'\t' '{ split($8, a, " ");
		printf "%s\n    {\"path\": \"%s\", \"clients\": %d, \"groups\": %d, \"members_per_group\": %d, \"rate_pps\": %d, \"helper_rss_kib\": %d, \"bpf_map_bytes\": %d, \"sent\": %d, \"copies\": %d, \"sender_ticks\": %d, \"helper_ticks\": %d, \"bpf_run_time_ns\": %d, \"bpf_run_cnt\": %d, \"wall_us\": %d}",
			s, $1, $2, $3, $4, $5, $6, $7, a[1], a[2], a[5], a[6], a[7], a[8], a[9]; s = "," }' "$SCALES"
	printf '\n  ]\n}\n'
} >"$RESULTS/dataplane-latest.json"
