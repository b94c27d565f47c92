#!/bin/bash
# tests/vm/guest-init.sh - stage 2 of the VM that tests/vm/run.sh boots: PID 1,
# run by the host's own bash on the overlay over the host's root.  Sets up
# what the tests need, runs the job from /om-vm (the transfer share), writes
# its exit status to /om-vm/rc and powers the VM off.  Never run on a host.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ $$ -eq 1 ] || { echo "guest-init.sh: only PID 1 of the VM runs this" >&2; exit 2; }

off() {
	echo 1 >/proc/sys/kernel/printk
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}
fail() {
	echo "vm-init: $*" >/dev/console 2>&1
	echo "vm-init: $*" >/om-vm/error
	off
}

mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=0755 run /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
echo 1 >/proc/sys/kernel/sysrq
hostname om-vm

# shellcheck source=/dev/null # written by run.sh
. /om-vm/job

# Mount the result share before anything can write to that path.
if [ -n "$OM_VM_RESULTS" ]; then
	mkdir -p "$OM_VM_RESULTS"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 omres "$OM_VM_RESULTS" ||
		fail "cannot mount the result share at $OM_VM_RESULTS"
fi

ip link set lo up
# tun: /dev/net/tun; nfnetlink_log: the helper's nflog group.  The rest
# loads on demand (kernel modprobe, the host's /lib/modules).
for m in tun nfnetlink_log; do
	modprobe "$m" || fail "modprobe $m"
done
[ -c /dev/net/tun ] || fail "no /dev/net/tun"
[ -e /proc/net/ip_mr_vif ] || fail "no IPv4 multicast routing in the guest kernel"

cd "$OM_VM_CWD" || fail "no directory $OM_VM_CWD"
: >/om-vm/started
if [ "$OM_VM_MODE" = shell ]; then
	stty -F /dev/ttyS0 sane
	# shellcheck disable=SC2086 # "rows cols"
	[ -n "${OM_VM_STTY:-}" ] && set -- $OM_VM_STTY && stty -F /dev/ttyS0 rows "$1" cols "$2"
	echo "om-vm: kernel $(uname -r), root on a tmpfs overlay over the host's files; exit to stop"
	# A new session whose leader opens the serial line: its controlling tty.
	OM_IN_VM=1 PS1='om-vm:\w# ' TERM=${TERM:-vt100} setsid -w \
		sh -c 'exec bash --norc -i <>/dev/ttyS0 >&0 2>&0'
	rc=$?
else
	stty -F /dev/ttyS1 raw -echo
	bash /om-vm/cmd.sh </dev/null >/dev/ttyS1 2>&1
	rc=$?
fi
echo "$rc" >/om-vm/rc.tmp && mv /om-vm/rc.tmp /om-vm/rc
# Stop what the command left running so its last writes reach the shares.
kill -TERM -1 2>/dev/null
sleep 0.2
kill -KILL -1 2>/dev/null
[ -n "$OM_VM_RESULTS" ] && umount "$OM_VM_RESULTS" 2>/dev/null
off
