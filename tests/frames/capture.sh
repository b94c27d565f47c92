#!/bin/sh
# capture.sh - record real IGMP frames from the Linux kernel for the unit tests.
#
# Usage: sudo tests/frames/capture.sh [OUTDIR]      (default: this directory)
#
# Two network namespaces joined by a veth pair: a "host" whose kernel joins
# and leaves groups (driven by igmphost.py, with IGMP forced to v1, v2 or v3),
# and a "router" with a Linux bridge whose kernel querier sends v2/v3 general
# queries. tcpdump on the router's veth writes one pcap per scenario. The
# namespaces are always removed, also on failure or interrupt.
#
# Needs root, iproute2, tcpdump and python3. The unit tests assert on the
# committed captures; re-capturing may change timing-dependent details such
# as how many retransmissions were merged, so check `make unit` afterwards.
# 802.1Q-tagged frames are not captured here (that needs the 8021q module);
# the tests insert a tag into a captured frame instead.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here}" && pwd)
H=igmpcap-h-$$
R=igmpcap-r-$$
HA=10.99.0.2
RA=10.99.0.1
S1=10.99.0.11 S2=10.99.0.12 S3=10.99.0.13 S4=10.99.0.14 S5=10.99.0.15
tcpd=

cleanup() {
	if [ -n "$tcpd" ]; then
		kill "$tcpd" 2>/dev/null || :
		wait "$tcpd" 2>/dev/null || :
	fi
	ip netns del "$H" 2>/dev/null || :
	ip netns del "$R" 2>/dev/null || :
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

inh() { ip netns exec "$H" "$@"; }
inr() { ip netns exec "$R" "$@"; }
host() { inh python3 "$here/igmphost.py" "$HA" "$@"; }

# version: force the host's IGMP version.
version() {
	inh sysctl -qw net.ipv4.conf.veth-h.force_igmp_version="$1"
}

# querier: 0 = off, 2 or 3 = the bridge sends queries of that version.
querier() {
	if [ "$1" = 0 ]; then
		inr ip link set br0 type bridge mcast_querier 0
	else
		inr ip link set br0 type bridge mcast_igmp_version "$1" \
			mcast_querier 1
	fi
}

start() {
	# Not through inr(): $! must be tcpdump itself, not a subshell.
	ip netns exec "$R" tcpdump -Z root -i veth-r -U -s 0 \
		-w "$out/$1.pcap" igmp 2>/dev/null &
	tcpd=$!
	sleep 1
}

stop() {
	sleep "${1:-1}"
	kill -INT "$tcpd"
	wait "$tcpd" || :
	tcpd=
	echo "captured $(tcpdump -r "$2.pcap" 2>/dev/null | wc -l) frames: $2.pcap"
}

ip netns add "$H"
ip netns add "$R"
# Fixed MACs keep re-captures comparable with the committed ones.
ip link add veth-h netns "$H" address 02:99:00:00:00:02 type veth \
	peer name veth-r netns "$R" address 02:99:00:00:00:11
for ns in "$H" "$R"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
inh ip addr add "$HA/24" dev veth-h
inh ip link set veth-h up
# Fast unsolicited report retransmissions keep the capture short.
inh sysctl -qw net.ipv4.conf.veth-h.igmpv2_unsolicited_report_interval=200 \
	net.ipv4.conf.veth-h.igmpv3_unsolicited_report_interval=200

# Times are centiseconds: query every 3 s, answers within 0.5 s.
inr ip link add br0 address 02:99:00:00:00:01 type bridge \
	mcast_snooping 1 mcast_querier 0 \
	mcast_query_use_ifaddr 1 mcast_query_interval 300 \
	mcast_query_response_interval 50 mcast_startup_query_interval 100 \
	mcast_startup_query_count 1
inr ip link set veth-r master br0
inr ip addr add "$RA/24" dev br0
inr ip link set veth-r up
inr ip link set br0 up
cd "$out"

# Order matters: once the host has heard a v1 (v2) query, Linux keeps
# answering in v1 (v2) for a while whatever force_igmp_version says.

version 3

# v3 any-source join and leave: TO_EX({}) then TO_IN({}).
start v3_asm
host 0:join:239.3.3.3 -:sleep:1 0:leave:239.3.3.3 -:sleep:1
stop 0.5 v3_asm

# v3 source-specific: ALLOW, ALLOW, BLOCK, BLOCK of the last source.
start v3_ssm
host 0:sjoin:239.3.3.4:$S1 -:sleep:1 0:sjoin:239.3.3.4:$S2 -:sleep:1 \
	0:sdrop:239.3.3.4:$S1 -:sleep:1 0:sdrop:239.3.3.4:$S2 -:sleep:1
stop 0.5 v3_ssm

# v3 exclude mode: join+block in one go gives TO_EX({S3}); then BLOCK(S4),
# ALLOW(S3), and the leave TO_IN({}).
start v3_block
host 0:join:239.3.3.5 0:block:239.3.3.5:$S3 -:sleep:1 \
	0:block:239.3.3.5:$S4 -:sleep:1 0:unblock:239.3.3.5:$S3 -:sleep:1 \
	0:leave:239.3.3.5 -:sleep:1
stop 0.5 v3_block

# v3 TO_IN with sources: an any-source socket goes away while a
# source-specific one stays, so the group becomes INCLUDE({S5}).
start v3_to_in
host 0:join:239.3.3.6 1:sjoin:239.3.3.6:$S5 -:sleep:1 0:close -:sleep:1 \
	1:close -:sleep:1
stop 0.5 v3_to_in

# v3 current state: a kernel v3 query answered with IS_EX, IS_IN and a
# link-local record (224.0.0.251) in one report; after the leave, the
# bridge's group-specific query.
start v3_query
host 0:join:239.3.4.1 1:sjoin:239.3.4.2:$S1 1:sjoin:239.3.4.2:$S2 \
	2:join:224.0.0.251 -:sleep:1.5 &
sleep 0.2
querier 3
wait $!
sleep 1
querier 0
stop 0.5 v3_query

# v2: reports, a kernel v2 query with the answer, and a leave.
version 2
start v2
host 0:join:239.2.2.2 -:sleep:3 0:leave:239.2.2.2 -:sleep:0.5 &
sleep 0.5
querier 2
sleep 2
querier 0
wait $!
stop 0.5 v2

# v1: unsolicited reports, a v1 query (max resp 0) and the answer to it,
# which Linux delays by up to 10 s.
version 1
start v1
host 0:join:239.1.1.1 -:sleep:10.5 &
sleep 0.5
inr python3 "$here/igmphost.py" "$RA" -:query:1
wait $!
stop 0.5 v1
