#!/bin/bash
# test_runner - tests/vm/run.sh, the VM runner: a command's output and exit
# status come back, the VM has what the tests need, a file written to the
# result directory inside is there outside, a command that hangs is stopped
# at the timeout, Ctrl-C stops the VM, and no qemu process is left after
# any of it.  Exit 77 (SKIP) where no VM can run.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
RUN=tests/vm/run.sh
OUT=$ROOT/tests/out/test_runner
rm -rf "$OUT"
mkdir -p "$OUT/results"
# The runner's work directories (and so qemu's command line) are under
# TMPDIR: a qemu left behind would show up by that path.
TMPD=$(mktemp -d /tmp/om-vmtest.XXXXXX)
export TMPDIR=$TMPD
trap 'rm -rf "$TMPD"' EXIT

log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
ok() { log "ok: $*"; }
no_qemu_left() {
	local left
	left=$(pgrep -f -- "$TMPD" || true)
	[ -z "$left" ] || fail "$1: processes left behind: $(ps -o pid,args -p "$(echo "$left" | tr ' ' ,)")"
	ok "$1: no qemu left"
}

if ! why=$(bash "$RUN" --check); then
	log "SKIP: no VM here: $why"
	exit 77
fi

# 1. Output, exit status, environment, what is inside, the result share.
cat >"$OUT/inside.sh" <<'INSIDE'
echo "out: hello"
echo "err: hello" >&2
echo "cwd=$PWD vm=${OM_IN_VM:-} marker=${OM_TEST_MARKER:-} uid=$(id -u)"
ip -o link show lo | grep -q 'UP' && echo "have lo-up"
[ -c /dev/net/tun ] && echo "have tun"
ip netns add omvmtest && ip netns exec omvmtest ip link set lo up && ip netns del omvmtest && echo "have netns"
nft add table inet omvmtest && nft delete table inet omvmtest && echo "have nftables"
grep -q '^nfnetlink_log ' /proc/modules && echo "have nflog"
[ -e /proc/net/ip_mr_vif ] && echo "have mroute4"
[ -e /proc/net/ip6_mr_vif ] && echo "have mroute6"
touch /tmp/x /run/x && echo "have tmp-run"
echo "written inside" >"$1/from-vm.txt"
exit 7
INSIDE
t0=$(date +%s)
OM_TEST_MARKER=m1 bash "$RUN" --timeout 300 --results "$OUT/results" -- \
	bash "$OUT/inside.sh" "$OUT/results" >"$OUT/1.out" 2>"$OUT/1.err"
rc=$?
log "run 1: exit $rc after $(($(date +%s) - t0)) s; $(grep 'was up' "$OUT/1.err")"
sed 's/^/  /' "$OUT/1.out"
[ "$rc" -eq 7 ] || { cat "$OUT/1.err"; fail "exit status: got $rc, expected 7"; }
ok "exit status 7 came back"
[ "$(sed -n 1,2p "$OUT/1.out")" = "out: hello
err: hello" ] || fail "output: stdout and stderr did not come back in order"
ok "stdout and stderr came back"
grep -qx "cwd=$ROOT vm=1 marker=m1 uid=0" "$OUT/1.out" ||
	fail "root in the same directory with OM_IN_VM=1 and OM_* passed on"
ok "root, same directory, OM_IN_VM=1, OM_* passed on"
for f in lo-up tun netns nftables nflog mroute4 mroute6 tmp-run; do
	grep -qx "have $f" "$OUT/1.out" || fail "inside the VM: no $f"
done
ok "inside: loopback, tun, netns, nftables, nflog, IPv4/IPv6 mroute, /tmp, /run"
[ "$(cat "$OUT/results/from-vm.txt" 2>/dev/null)" = "written inside" ] ||
	fail "the file written to the result directory inside is not outside"
ok "a file written to the result directory inside is there outside"
no_qemu_left "after exit"

# 2. A command that hangs is stopped at the timeout.
t0=$(date +%s)
bash "$RUN" --timeout 20 -- sleep 1000 >"$OUT/2.out" 2>"$OUT/2.err"
rc=$?
secs=$(($(date +%s) - t0))
log "run 2: exit $rc after $secs s"
[ "$rc" -eq 124 ] || { cat "$OUT/2.err"; fail "timeout: exit $rc, expected 124"; }
[ "$secs" -le 30 ] || fail "timeout: took ${secs}s for a 20 s timeout"
ok "a hanging command is stopped at the timeout (exit 124)"
no_qemu_left "after the timeout"

# 3. Ctrl-C (SIGINT to the runner) stops the VM.  (A background job's
# SIGINT is ignored unless reset: env --default-signal.)
env --default-signal=INT bash "$RUN" --timeout 300 -- sh -c 'echo ready; exec sleep 1000' \
	>"$OUT/3.out" 2>"$OUT/3.err" &
pid=$!
for _ in $(seq 1 600); do
	grep -q ready "$OUT/3.out" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
grep -q ready "$OUT/3.out" || { cat "$OUT/3.err"; fail "Ctrl-C: the command never started"; }
t0=$(date +%s)
kill -INT "$pid"
wait "$pid"
rc=$?
secs=$(($(date +%s) - t0))
log "run 3: exit $rc ${secs} s after SIGINT"
[ "$rc" -eq 130 ] || { cat "$OUT/3.err"; fail "Ctrl-C: exit $rc, expected 130"; }
[ "$secs" -le 10 ] || fail "Ctrl-C: took ${secs}s to stop"
ok "Ctrl-C stops the VM (exit 130)"
no_qemu_left "after Ctrl-C"
log "test_runner: PASS"
