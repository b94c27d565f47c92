# shellcheck shell=bash
# tests/bench/bpfstat.sh - BPF program statistics for the benches (sourced
# after tests/lib.sh): which programs sit on the server's tap0, and their
# run time (kernel.bpf_stats_enabled must be on for it to grow).

# bpf_prog_ids - ids of the BPF programs attached to tap0 in the server.
bpf_prog_ids() {
	command -v bpftool >/dev/null || return 0
	om_nsx srv bpftool net show dev tap0 2>/dev/null | grep -o ' id [0-9]*' | awk '{ print $2 }' | sort -u
}

# bpf_runtime [IDS] - "run_time_ns run_cnt" summed over the programs IDS
# (default: those on tap0 now).
bpf_runtime() {
	local ids=${1-$(bpf_prog_ids)} id ns=0 cnt=0 line
	for id in $ids; do
		line=$(bpftool prog show id "$id" 2>/dev/null) || continue
		ns=$((ns + $(grep -o 'run_time_ns [0-9]*' <<<"$line" | awk '{ print $2 }' | grep . || echo 0)))
		cnt=$((cnt + $(grep -o 'run_cnt [0-9]*' <<<"$line" | awk '{ print $2 }' | grep . || echo 0)))
	done
	echo "$ns $cnt"
}
