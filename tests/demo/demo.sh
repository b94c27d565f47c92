#!/bin/bash
# tests/demo/demo.sh - `sudo make demo`: the problem and the fix, side by side.
#
# Builds a small world in network namespaces (a multicast source playing 3
# TV channels, igmpproxy or the helper's standalone upstream, an OpenVPN 2.6
# TAP server, and the clients alice, bob and carol), lets the clients tune in and out on a fixed script, and
# shows every second what each client's VPN link carries.  The script runs
# twice: first with OpenVPN alone, which sends every multicast frame to
# every client, then with the openvpn-mcast plugin.  A summary compares the
# two runs and the demo exits non-zero unless it proved its point:
#   - with the plugin, no client got a frame of a channel it did not watch;
#   - without it, clients did get such frames (so the counting can tell);
#   - with the plugin, every client got the channels it watched (at least
#     90 % of the frames it got of them without the plugin).
#
# Where the kernel can route multicast, igmpproxy brings the channels into
# the server's tap0 in both runs.  Where it cannot (no CONFIG_IP_MROUTE:
# igmpproxy dies at MRT_INIT), run 2 uses the helper's standalone mode
# (upstream = "up0"), and run 1, having no router at all, plays the
# channels on the server itself into tap0, so that OpenVPN's flooding shows.
#
# Environment:
#   OM_DEMO_FAST=1   a short script (about 10 s per run) for automated runs.
#
# Needs root and the build (make all, the tools in tests/tools and
# tests/demo/chanmeter); `sudo make demo` does all of that first.
# Everything it creates (namespaces, processes, the helper's nftables table
# inside the server's namespace) goes away on exit and on Ctrl-C: the
# namespace library tests/lib.sh owns the cleanup.

set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, OpenVPN): sudo make demo" >&2
	exit 1
fi

# The library names its output directory after this script: tests/out/demo.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

DEMO_METER="$OM_ROOT/tests/demo/chanmeter"
DEMO_FAST=${OM_DEMO_FAST:-0}
DEMO_LOG="$OM_OUT/demo.log"
DEMO_FEED=$(om_feed)   # igmpproxy or standalone (tests/lib.sh)
DEMO_RUN=0

# The channels: about 2 Mbit/s of UDP payload each, like a modest SD TV
# stream in 1316-byte datagrams (7 MPEG-TS packets, as IPTV sends them).
DEMO_PORT=5004
DEMO_PAYLOAD=1316
DEMO_PPS=190
DEMO_GROUP=("" 239.255.0.1 239.255.0.2 239.255.0.3)
DEMO_NCH=3
DEMO_NCLIENTS=3

# The script: "SECOND CLIENT CHANNEL" (client 1 = alice, 2 = bob, 3 = carol;
# channel 0 = stop watching).  Tuning to a channel while watching another
# one is a switch: leave the old one, join the new one.
if [ "$DEMO_FAST" = 1 ]; then
	DEMO_SECS=10
	DEMO_SCRIPT=("0 1 1" "1 2 2" "4 1 3" "7 2 0")
else
	DEMO_SECS=36
	DEMO_SCRIPT=("0 1 1" "4 2 2" "12 1 3" "18 3 3" "24 2 0" "30 1 0")
fi

# ---------------------------------------------------------------------------
# Terminal output

# Colours and in-place redraw only on a terminal; a log file or CI gets
# plain text with one block per refresh.
if [ -t 1 ] && [ "${TERM:-dumb}" != dumb ]; then
	DEMO_TTY=1
	C_BOLD=$'\e[1m' C_RED=$'\e[31m' C_GREEN=$'\e[32m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
	C_EOL=$'\e[K'
else
	DEMO_TTY=0
	C_BOLD="" C_RED="" C_GREEN="" C_DIM="" C_OFF="" C_EOL=""
fi
DEMO_BLOCK_LINES=0   # lines of the last live table drawn (for the redraw)

# The library logs to stderr; that is detail for the log file, not for the
# operator watching the table.  fd 4 keeps the real stderr for our errors.
exec 4>&2 2>>"$DEMO_LOG"

say() {
	printf '%s\n' "$*"
}

demo_err() {
	printf 'demo: %s\n' "$*" >&4
}

# mbit BYTES MICROSECONDS - bytes over a time as Mbit/s, two decimals.
mbit() {
	local v=0
	[ "$2" -gt 0 ] && v=$(($1 * 800 / $2))
	printf '%d.%02d' $((v / 100)) $((v % 100))
}

# mbytes BYTES - "12.3 MB" (10^6 bytes).
mbytes() {
	printf '%d.%d MB' $(($1 / 1000000)) $(($1 / 100000 % 10))
}

# pct_saved BEFORE AFTER - how much smaller AFTER is, in percent.
pct_saved() {
	if [ "$1" -gt 0 ]; then
		echo "$((($1 - $2) * 100 / $1)) %"
	else
		echo "-"
	fi
}

channel_name() {
	if [ "$1" = 0 ]; then echo "-"; else echo "ch$1"; fi
}

client_name() {
	echo "${OM_CLIENT_CN[$1]:-${OM_NAMES[$1 - 1]}}"
}

# event_text "SECOND CLIENT CHANNEL" [PREVIOUS-CHANNEL]
event_text() {
	local t i c prev=${2:-0}
	read -r t i c <<<"$1"
	if [ "$c" = 0 ]; then
		echo "t=$t $(client_name "$i") stops watching"
	elif [ "$prev" != 0 ]; then
		echo "t=$t $(client_name "$i") switches to ch$c"
	else
		echo "t=$t $(client_name "$i") watches ch$c"
	fi
}

# script_lines - the script as the operator reads it, one event a line.
script_lines() {
	local ev t i c
	local -a watching=(0 0 0 0)
	for ev in "${DEMO_SCRIPT[@]}"; do
		read -r t i c <<<"$ev"
		printf '  %3d s  %s\n' "$t" "$(event_text "$ev" "${watching[i]}" | sed 's/^t=[0-9]* //')"
		watching[i]=$c
	done
	printf '  %3d s  end of the run\n' "$DEMO_SECS"
}

print_intro() {
	say "${C_BOLD}openvpn-mcast demo${C_OFF}"
	say ""
	say "Everything below runs in private network namespaces on this machine"
	say "(names $OM_PFX-*); no packet leaves it, and all of it is removed at the"
	say "end or on Ctrl-C."
	say ""
	say "  source ── 3 channels, $(mbit $((DEMO_PAYLOAD * DEMO_PPS)) 1000000) Mbit/s each: ch1 ${DEMO_GROUP[1]}, ch2 ${DEMO_GROUP[2]}, ch3 ${DEMO_GROUP[3]}"
	say "    │"
	if [ "$DEMO_FEED" = igmpproxy ]; then
		say "  server ── igmpproxy + OpenVPN 2.6 (dev-type tap)"
	else
		say "  server ── OpenVPN 2.6 (dev-type tap); no igmpproxy"
	fi
	say "    │  UDP over a bridged 'WAN'"
	say "  clients ── alice, bob, carol (OpenVPN clients; apps join on tap0)"
	say ""
	say "The clients tune in and out on this script, seconds into each run:"
	script_lines
	say ""
	say "It runs twice:"
	say "  run 1  OpenVPN alone: it sends every multicast frame to every client"
	say "  run 2  OpenVPN with the openvpn-mcast plugin"
	say ""
	if [ "$DEMO_FEED" = igmpproxy ]; then
		say "Mode: igmpproxy routes the channels into tap0 (this kernel can route multicast)."
	else
		say "Mode: standalone. This kernel ($(uname -r)) cannot route multicast (no"
		say "CONFIG_IP_MROUTE), so igmpproxy cannot run here. Run 2 uses the helper's"
		say "standalone mode: it joins the watched channels on the server's upstream"
		say "interface itself. Run 1 has no router at all, so a player on the server"
		say "sends all 3 channels into tap0, as a headend on the VPN server would."
	fi
	say ""
	say "Columns of the live table:"
	say "  VPN link      what arrives on the client's WAN interface (encrypted"
	say "                OpenVPN packets), Mbit/s over the last second"
	say "  not watched   frames of a channel the client is not watching, counted"
	say "                on its tap0 (not counted: the first second after it left"
	say "                that channel, while its leave is on the way)"
	say "  watched       frames of the channel it is watching"
	if [ "$DEMO_FEED" = igmpproxy ]; then
		say "  routed into the server's tap0"
		say "                the channels igmpproxy forwards to the VPN right now;"
		say "                it keeps a channel flowing for a while after its last"
		say "                viewer left (its route ageing, the same in both runs)"
	else
		say "  feed          run 1: the channels the server's player sends into tap0;"
		say "                run 2: the channels the helper has joined upstream"
	fi
	say ""
}

# ---------------------------------------------------------------------------
# Exit: say what went wrong (the details are in the log), then let the
# library remove namespaces and processes.

DEMO_VERDICT_FAILED=0

# set_status RC - make $? equal RC for the function called next.
set_status() {
	return "$1"
}

demo_exit() {
	local rc=$?
	set +e
	if [ "$DEMO_VERDICT_FAILED" = 1 ]; then
		demo_err "the demo did not show what it should (see FAIL above); logs in ${OM_OUT#"$OM_ROOT"/}/"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ] && [ "$rc" -ne 143 ]; then
		demo_err "failed (exit $rc); last lines of ${DEMO_LOG#"$OM_ROOT"/}:"
		tail -n 15 "$DEMO_LOG" | sed 's/^/  /' >&4
	fi
	say "Removing the demo's namespaces and processes..."
	set_status "$rc"
	om_cleanup
}
trap demo_exit EXIT
trap 'demo_err "interrupted"; exit 130' INT
trap 'demo_err "terminated"; exit 143' TERM

# ---------------------------------------------------------------------------
# The world: sources, receivers, meters

# sources_start [NS IFNAME PREFIX] - the 3 channels play (by default from
# the source namespace, for the whole demo; igmpproxy routes a channel, or
# the helper joins it, only while someone watches it).
sources_start() {
	local c ns=${1:-src} ifn=${2:-eth0} pfx=${3:-src}
	for ((c = 1; c <= DEMO_NCH; c++)); do
		om_bg "$pfx-ch$c" "$ns" "$OM_TOOLS/mcsend" -g "${DEMO_GROUP[c]}" -p "$DEMO_PORT" \
			-n 100000000 -r "$DEMO_PPS" -s "$DEMO_PAYLOAD" -t 8 -i "$ifn"
	done
}

# The player on the server (standalone mode, run 1): no router brings the
# source's channels into tap0 without the plugin.
players_stop() {
	local c
	for ((c = 1; c <= DEMO_NCH; c++)); do
		[ -z "${OM_BG_PID[player-ch$c]:-}" ] || om_bg_stop "player-ch$c"
	done
}

# meters_start - one chanmeter per client tap0; the tap is new after every
# client restart, so each run starts its own.
meters_start() {
	local i
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		rm -f "$OM_RUN/meter-c$i.txt"
		om_bg "meter-c$i" "c$i" "$DEMO_METER" -i tap0 -o "$OM_RUN/meter-c$i.txt"
		om_wait 5 "chanmeter on $(client_name "$i")'s tap0" om_bg_alive_grep "meter-c$i" '^ready$'
	done
}

meters_stop() {
	local i
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		om_bg_stop "meter-c$i"
	done
}

# tune I CHANNEL - client I's application watches CHANNEL (0: none) with a
# real socket joined on its tap0.  Closing the old socket makes the client's
# kernel send the IGMP leave.
declare -a WATCHING=() LEAVING=()
tune() {
	local i=$1 c=$2
	if [ "${WATCHING[i]}" != 0 ]; then
		om_bg_stop "rx-c$i"
		LEAVING[i]=${WATCHING[i]}
	fi
	WATCHING[i]=$c
	[ "$c" != 0 ] || return 0
	om_bg "rx-c$i" "c$i" "$OM_TOOLS/mcrecv" -g "${DEMO_GROUP[c]}" -p "$DEMO_PORT" -i tap0
	om_wait 3 "$(client_name "$i")'s receiver joined ch$c" om_bg_alive_grep "rx-c$i" '^joined '
}

receivers_stop() {
	local i
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		[ "${WATCHING[i]}" = 0 ] || om_bg_stop "rx-c$i"
		WATCHING[i]=0
	done
}

# clients_stop - all clients at once: each one takes about a second to
# tell the server it leaves.
clients_stop() {
	local i
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		kill -TERM "${OM_CLIENT_PID[i]}" 2>/dev/null || true
	done
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		om_wait 20 "client $(client_name "$i") exits" om_not_alive "${OM_CLIENT_PID[i]}"
		wait "${OM_CLIENT_PID[i]}" 2>/dev/null || true
	done
}

# vpn_start plugin|noplugin - server, clients and the feed: igmpproxy
# (which needs the server's tap0 to exist), or in standalone mode the
# helper's upstream (plugin) or the player on the server (noplugin).
vpn_start() {
	local i
	DEMO_RUN=$((DEMO_RUN + 1))
	om_server_start "$1"
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		om_client_start "$i"
	done
	if [ "$DEMO_FEED" = igmpproxy ]; then
		om_igmpproxy_start
	elif [ "$1" = noplugin ]; then
		sources_start srv tap0 player
	fi
	if [ "$1" = plugin ]; then
		om_wait 5 "helper installed its data path" om_dp_installed
	fi
}

vpn_stop() {
	if [ "$DEMO_FEED" = igmpproxy ]; then
		om_bg_stop igmpproxy
	else
		players_stop
	fi
	clients_stop
	om_server_stop
}

# ---------------------------------------------------------------------------
# Counters

declare -a NOW_RX=() PREV_RX=() BASE_RX=() DROPPED=()
declare -A NOW_F=() PREV_F=()
NOW_UP=0 PREV_UP=0 BASE_UP=0 NOW_T=0 PREV_T=0 ROUTED="-"

# read_meter I - client I's channel frame totals from its chanmeter file.
read_meter() {
	local i=$1 c g f b
	for ((c = 1; c <= DEMO_NCH; c++)); do NOW_F[$i:$c]=0; done
	DROPPED[i]=0
	om_alive "${OM_BG_PID[meter-c$i]}" || om_fail "chanmeter of $(client_name "$i") died"
	while read -r g f b; do
		if [ "$g" = dropped ]; then
			DROPPED[i]=$f
			continue
		fi
		for ((c = 1; c <= DEMO_NCH; c++)); do
			if [ "$g" = "${DEMO_GROUP[c]}" ]; then
				NOW_F[$i:$c]=$f
			fi
		done
	done <"$OM_RUN/meter-c$i.txt"
}

# sample - every counter at once.  Bytes come from the WAN bridge's side
# of each veth: what the bridge sends to client I (pcI tx) is exactly what
# client I's WAN interface receives, and what it receives from the server
# (psrv rx) is the server's upload; one namespace entry reads them all.
sample() {
	local i files=() vals=()
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		files+=("/sys/class/net/pc$i/statistics/tx_bytes")
	done
	files+=(/sys/class/net/psrv/statistics/rx_bytes)
	mapfile -t vals < <(om_nsx wan cat "${files[@]}")
	[ ${#vals[@]} -eq $((DEMO_NCLIENTS + 1)) ] || om_fail "cannot read the WAN byte counters"
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		NOW_RX[i]=${vals[i - 1]}
		read_meter "$i"
	done
	NOW_UP=${vals[DEMO_NCLIENTS]}
	NOW_T=$(om_now_us)
	ROUTED=$(feed_channels)
	om_log "sample: rx=${NOW_RX[*]} up=$NOW_UP frames=$(for k in "${!NOW_F[@]}"; do printf '%s=%s ' "$k" "${NOW_F[$k]}"; done)routed=$ROUTED"
}

# feed_channels - the channels that reach the server's tap0 right now.
feed_channels() {
	local c out=""
	if [ "$DEMO_FEED" = igmpproxy ]; then
		routed_channels
		return 0
	fi
	for ((c = 1; c <= DEMO_NCH; c++)); do
		if [ "$DEMO_RUN" = 1 ]; then
			om_alive "${OM_BG_PID[player-ch$c]:-0}" || continue
		else
			om_upstream_joined "${DEMO_GROUP[c]}" || continue
		fi
		out+="${out:+ }ch$c"
	done
	echo "${out:--}"
}

# routed_channels - the channels the kernel forwards into the server's
# tap0 right now (igmpproxy's multicast routes, /proc/net/ip_mr_cache).
# The file prints groups as a host-order hex word, so both byte orders
# are tried.  This is what OpenVPN gets to see (and, alone, floods).
routed_channels() {
	local vif c a b d e out=""
	local -a hex=()
	# shellcheck disable=SC2016 # awk programs
	vif=$(om_nsx srv awk '$2 == "tap0" { print $1 }' /proc/net/ip_mr_vif)
	[ -n "$vif" ] || { echo "-"; return 0; }
	for ((c = 1; c <= DEMO_NCH; c++)); do
		IFS=. read -r a b d e <<<"${DEMO_GROUP[c]}"
		hex[c]=$(printf '%02X%02X%02X%02X %02X%02X%02X%02X' "$e" "$d" "$b" "$a" "$a" "$b" "$d" "$e")
	done
	local routed
	# shellcheck disable=SC2016
	routed=$(om_nsx srv awk -v vif="$vif" 'NR > 1 { for (i = 7; i <= NF; i++) {
		split($i, o, ":"); if (o[1] == vif) print $1 } }' /proc/net/ip_mr_cache)
	for ((c = 1; c <= DEMO_NCH; c++)); do
		if grep -qwE "${hex[c]// /|}" <<<"$routed"; then
			out+="${out:+ }ch$c"
		fi
	done
	echo "${out:--}"
}

# keep_sample - the sample just taken becomes the one to compare with.
keep_sample() {
	local i c
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		PREV_RX[i]=${NOW_RX[i]}
		for ((c = 1; c <= DEMO_NCH; c++)); do PREV_F[$i:$c]=${NOW_F[$i:$c]}; done
	done
	PREV_UP=$NOW_UP
	PREV_T=$NOW_T
}

# Per run (RUN = 1 without, 2 with the plugin) and client: totals for the
# summary.  TICK_* are the last second's values for the live table.
declare -A SUM_RX=() SUM_UNW=() SUM_WANT=() SUM_DROP=() SUM_UP=()
declare -a TICK_RX=() TICK_UNW=()
TICK_UP=0 TICK_DT=1

# account RUN - split the last second's frames of each client into watched
# and not watched, by what the client was watching during that second.
account() {
	local run=$1 i c d unw want
	TICK_DT=$((NOW_T - PREV_T))
	TICK_UP=$((NOW_UP - PREV_UP))
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		TICK_RX[i]=$((NOW_RX[i] - PREV_RX[i]))
		unw=0 want=0
		for ((c = 1; c <= DEMO_NCH; c++)); do
			d=$((${NOW_F[$i:$c]} - ${PREV_F[$i:$c]}))
			if [ "$c" = "${WATCHING[i]}" ]; then
				want=$((want + d))
			elif [ "$c" != "${LEAVING[i]}" ]; then
				unw=$((unw + d))
			fi
		done
		TICK_UNW[i]=$unw
		SUM_UNW[$run:$i]=$((${SUM_UNW[$run:$i]} + unw))
		SUM_WANT[$run:$i]=$((${SUM_WANT[$run:$i]} + want))
		SUM_RX[$run:$i]=$((NOW_RX[i] - BASE_RX[i]))
		SUM_DROP[$run:$i]=${DROPPED[i]}
		# The leave grace lasts one second.
		LEAVING[i]=0
	done
	SUM_UP[$run]=$((NOW_UP - BASE_UP))
}

# ---------------------------------------------------------------------------
# The live table

DEMO_BLOCK=""
line() {
	DEMO_BLOCK+="$*$C_EOL"$'\n'
}

# draw - show the block: on a terminal in place of the previous one,
# elsewhere appended, with a blank line between blocks.
draw() {
	local n
	n=$(printf '%s' "$DEMO_BLOCK" | grep -c '')
	if [ "$DEMO_TTY" = 1 ]; then
		[ "$DEMO_BLOCK_LINES" -gt 0 ] && printf '\e[%dA' "$DEMO_BLOCK_LINES"
		printf '%s\e[J' "$DEMO_BLOCK"
	else
		printf '%s\n' "$DEMO_BLOCK"
	fi
	DEMO_BLOCK_LINES=$n
	DEMO_BLOCK=""
}

# show_table RUN SECOND LAST-EVENT NEXT-EVENT
show_table() {
	local run=$1 t=$2 last_ev=$3 next_ev=$4 i unw tot col title
	if [ "$run" = 1 ]; then
		title="Run 1 of 2: WITHOUT the plugin - OpenVPN sends every channel to every client"
	else
		title="Run 2 of 2: WITH the openvpn-mcast plugin"
	fi
	line "${C_BOLD}$title${C_OFF}"
	line "t = $t s of $DEMO_SECS"
	line ""
	line "$(printf '%-8s %-9s %9s   %14s %11s   %9s' client watching 'VPN link' 'not watched' '' 'watched')"
	line "$(printf '%-8s %-9s %9s   %14s %11s   %9s' '' '' 'Mbit/s' 'last second' 'this run' 'this run')"
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		unw=${TICK_UNW[i]}
		tot=${SUM_UNW[$run:$i]}
		if [ "$tot" -gt 0 ]; then col=$C_RED; else col=$C_GREEN; fi
		line "$(printf '%-8s %-9s %9s   %14d %s%11d%s   %9d' "$(client_name "$i")" \
			"$(channel_name "${WATCHING_SHOWN[i]}")" "$(mbit "${TICK_RX[i]}" "$TICK_DT")" \
			"$unw" "$col" "$tot" "$C_OFF" "${SUM_WANT[$run:$i]}")"
	done
	line "$(printf '%-18s %9s Mbit/s, %s this run' 'server upload' "$(mbit "$TICK_UP" "$TICK_DT")" "$(mbytes "${SUM_UP[$run]}")")"
	if [ "$DEMO_FEED" = igmpproxy ]; then
		line "routed into the server's tap0 by igmpproxy: $ROUTED"
	elif [ "$run" = 1 ]; then
		line "sent into the server's tap0 by the player on the server: $ROUTED"
	else
		line "joined upstream on up0 by the helper (standalone): $ROUTED"
	fi
	line ""
	line "${C_DIM}last event: ${last_ev:-none yet}${C_OFF}"
	line "${C_DIM}next event: ${next_ev:-end of the run at t=$DEMO_SECS}${C_OFF}"
	draw
}

# ---------------------------------------------------------------------------
# One run of the script

declare -a WATCHING_SHOWN=()

# sleep_until US - sleep until the wall clock reaches US (epoch µs).
sleep_until() {
	local left=$(($1 - $(om_now_us)))
	[ "$left" -gt 0 ] || return 0
	sleep "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))"
}

# run_script RUN - play the script once, one table a second.
run_script() {
	local run=$1 t start ev et ei ec k=0 i last_ev="" shown_last="" shown_next=""
	local nev=${#DEMO_SCRIPT[@]}
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		WATCHING[i]=0 LEAVING[i]=0
		SUM_UNW[$run:$i]=0 SUM_WANT[$run:$i]=0 SUM_RX[$run:$i]=0
	done
	sample
	keep_sample
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do BASE_RX[i]=${NOW_RX[i]}; done
	BASE_UP=$NOW_UP
	DEMO_BLOCK_LINES=0
	start=$(om_now_us)
	for ((t = 0; t <= DEMO_SECS; t++)); do
		sleep_until $((start + t * 1000000))
		if [ "$t" -gt 0 ]; then
			sample
			account "$run"
			keep_sample
			# The table reports on the second that just ended: what
			# each client watched then, and the events around it.
			for ((i = 1; i <= DEMO_NCLIENTS; i++)); do WATCHING_SHOWN[i]=${WATCHING[i]}; done
			shown_last=$last_ev shown_next=""
			if [ "$k" -lt "$nev" ]; then
				read -r et ei ec <<<"${DEMO_SCRIPT[k]}"
				shown_next=$(event_text "${DEMO_SCRIPT[k]}" "${WATCHING[ei]}")
			fi
		fi
		# This second's events right after the sample (drawing the
		# table can wait), so that each second is counted with one
		# state of the clients.
		while [ "$k" -lt "$nev" ]; do
			read -r et ei ec <<<"${DEMO_SCRIPT[k]}"
			[ "$et" = "$t" ] || break
			ev=$(event_text "${DEMO_SCRIPT[k]}" "${WATCHING[ei]}")
			tune "$ei" "$ec"
			om_log "script: $ev"
			last_ev=$ev
			k=$((k + 1))
		done
		[ "$t" -eq 0 ] || show_table "$run" "$t" "$shown_last" "$shown_next"
	done
	receivers_stop
}

# ---------------------------------------------------------------------------
# Summary and verdict

print_summary() {
	local i cn fail=0 unw_without=0 w1 w2 watched_of
	say ""
	say "${C_BOLD}Summary: the same $DEMO_SECS-second script, without and with openvpn-mcast${C_OFF}"
	say ""
	say "Bytes the VPN links carried (encrypted OpenVPN packets, whole run)"
	say "$(printf '  %-16s %15s %15s %8s' '' 'without plugin' 'with plugin' 'saved')"
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		say "$(printf '  %-16s %15s %15s %8s' "to $(client_name "$i")" "$(mbytes "${SUM_RX[1:$i]}")" \
			"$(mbytes "${SUM_RX[2:$i]}")" "$(pct_saved "${SUM_RX[1:$i]}" "${SUM_RX[2:$i]}")")"
	done
	say "$(printf '  %-16s %15s %15s %8s' 'server upload' "$(mbytes "${SUM_UP[1]}")" \
		"$(mbytes "${SUM_UP[2]}")" "$(pct_saved "${SUM_UP[1]}" "${SUM_UP[2]}")")"
	say ""
	say "Channel frames that arrived on each client's tap0"
	say "$(printf '  %-16s %25s   %25s' '' 'not watched (want 0)' 'watched (want the same)')"
	say "$(printf '  %-16s %12s %12s   %12s %12s' '' without with without with)"
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		say "$(printf '  %-16s %12d %12d   %12d %12d' "$(client_name "$i")" "${SUM_UNW[1:$i]}" \
			"${SUM_UNW[2:$i]}" "${SUM_WANT[1:$i]}" "${SUM_WANT[2:$i]}")"
	done
	say ""
	if [ "$DEMO_FEED" = igmpproxy ]; then
		say "Without the plugin the server's upload is (number of clients) x (channels"
		say "igmpproxy routes), whoever watches them; with it, one copy per viewer."
	else
		say "Without the plugin the server's upload is (number of clients) x (channels"
		say "in tap0), whoever watches them; with it (standalone mode, no igmpproxy),"
		say "one copy per viewer."
	fi
	say ""

	# The verdict: each check says in words what failed.
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		cn=$(client_name "$i")
		unw_without=$((unw_without + ${SUM_UNW[1:$i]}))
		if [ "${SUM_UNW[2:$i]}" -ne 0 ]; then
			say "FAIL: with the plugin, $cn got ${SUM_UNW[2:$i]} frames of channels $cn did not watch"
			fail=1
		fi
		w1=${SUM_WANT[1:$i]} w2=${SUM_WANT[2:$i]}
		if [ "$w1" -gt 0 ] && [ $((w2 * 100)) -lt $((w1 * 90)) ]; then
			say "FAIL: with the plugin, $cn got $w2 frames of the channels $cn watched, without it $w1"
			fail=1
		fi
		if [ "${SUM_DROP[1:$i]}" -ne 0 ] || [ "${SUM_DROP[2:$i]}" -ne 0 ]; then
			say "FAIL: the capture on $cn's tap0 lost frames; the counts prove nothing"
			fail=1
		fi
	done
	if [ "$unw_without" -eq 0 ]; then
		say "FAIL: without the plugin no client got frames of channels it did not watch;"
		say "      the demo cannot show a difference"
		fail=1
	fi
	watched_of=0
	for ((i = 1; i <= DEMO_NCLIENTS; i++)); do
		watched_of=$((watched_of + ${SUM_WANT[1:$i]}))
	done
	if [ "$watched_of" -eq 0 ]; then
		say "FAIL: no client got any frame of a channel it watched"
		fail=1
	fi
	if [ "$fail" = 0 ]; then
		say "${C_GREEN}${C_BOLD}PASS${C_OFF}: with the plugin no client got a single frame of a channel it did not"
		say "watch (without it: $unw_without), every client got the channels it watched,"
		say "and the server uploaded $(pct_saved "${SUM_UP[1]}" "${SUM_UP[2]}") less."
	fi
	return "$fail"
}

# ---------------------------------------------------------------------------
# Main

# phase TEXT CMD... - one line of progress around a step, with its time.
phase() {
	local what=$1 t0 t1
	shift
	printf '%s ... ' "$what"
	t0=$(om_now_us)
	"$@"
	t1=$(om_now_us)
	printf 'done (%d.%d s)\n' $(((t1 - t0) / 1000000)) $(((t1 - t0) / 100000 % 10))
}

# feed_name plugin|noplugin - what brings the channels into tap0, in words.
feed_name() {
	if [ "$DEMO_FEED" = igmpproxy ]; then
		echo igmpproxy
	elif [ "$1" = plugin ]; then
		echo "the helper's standalone upstream"
	else
		echo "the player on the server"
	fi
}

setup_world() {
	om_topo_mcast "$DEMO_NCLIENTS"
	sources_start
}

demo_main() {
	local t_begin fail=0 secs
	t_begin=$(om_now_us)
	[ -x "$DEMO_METER" ] || make -C "$OM_ROOT" --no-print-directory tests/demo/chanmeter >&2 ||
		om_fail "cannot build tests/demo/chanmeter"
	om_need_built
	print_intro
	phase "Creating namespaces, certificates and the 3 channel sources" setup_world
	phase "Starting OpenVPN server (no plugin), 3 clients and $(feed_name noplugin)" vpn_start noplugin
	meters_start
	say ""
	run_script 1
	meters_stop
	say ""
	phase "Stopping the clients, $(feed_name noplugin) and the server" vpn_stop
	phase "Starting OpenVPN server WITH the plugin, 3 clients and $(feed_name plugin)" vpn_start plugin
	meters_start
	say ""
	run_script 2
	meters_stop
	print_summary || fail=1 DEMO_VERDICT_FAILED=1
	secs=$((($(om_now_us) - t_begin) / 1000000))
	say ""
	say "Demo took $secs s. Logs and configs: ${OM_OUT#"$OM_ROOT"/}/"
	return "$fail"
}

demo_main
