#!/bin/bash
# tests/vm/run.sh - run a command as root inside a throw-away VM that boots
# Debian's stock kernel (linux-image-amd64), for what this host's kernel
# cannot do (kernel multicast routing: igmpproxy, smcroute).
#
# Usage: tests/vm/run.sh [--timeout S] [--results DIR] [--mem MB] -- COMMAND...
#        tests/vm/run.sh --shell [--results DIR]      (interactive, make vm-shell;
#                                                      no timeout; Ctrl-A x kills it)
#        tests/vm/run.sh --check                      (can a VM run here? why not)
#
# The VM (qemu, software emulation unless a KVM probe boot works):
#   - sees the host's whole file system read-only (9p) under a tmpfs overlay,
#     so every binary and script on the host runs inside unchanged, and
#     writes go to RAM and are thrown away;
#   - runs COMMAND as root in the same directory as here, with OM_IN_VM=1,
#     OM_VM_ACCEL=tcg|kvm (tcg: emulated, 10-50x slower: see om_native_only
#     in tests/lib.sh), PATH, TERM, LANG/LC_*, CI and every OM_* variable
#     passed on;
#   - has loopback up, /dev/net/tun, network namespaces, nftables,
#     nfnetlink_log, IPv4/IPv6 multicast routing, fresh tmpfs /tmp and /run;
#   - modules come from the host's /lib/modules/<guest kernel version>.
# --results DIR: DIR (created if missing) is shared writable at the same
#   path: what COMMAND writes there is on the host afterwards.
# COMMAND's stdout and stderr come back on stdout (one stream); the exit
# status is COMMAND's.  Runner messages go to stderr, prefixed "vm: ".
# The VM is always stopped: COMMAND done, timeout (exit 124), Ctrl-C or
# SIGTERM (exit 130/143), or this script killed (qemu gets SIGKILL through
# PR_SET_PDEATHSIG).  Exit 125: the VM could not run COMMAND (the console
# log's tail is printed).  --check: exit 0 when a VM can run, else print why
# and exit 1.
# Environment: OM_VM_KERNEL (path of a vmlinuz; default the newest
# /boot/vmlinuz-*-amd64 with its modules), OM_VM_ACCEL (auto|tcg|kvm),
# OM_VM_MEM (MB, default 1536), OM_VM_CPUS (default 2).

# shellcheck disable=SC2054,SC2317 # qemu options are comma lists; trap functions
set -u -o pipefail

ME=$(readlink -f "${BASH_SOURCE[0]}")
VMDIR=$(dirname "$ME")

die() { echo "vm: $*" >&2; exit 125; }
say() { echo "vm: $*" >&2; }

timeout_s=3600
results=""
mode=cmd
mem=${OM_VM_MEM:-1536}
cpus=${OM_VM_CPUS:-2}
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--results) results=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--shell) mode=shell; shift ;;
	--check) mode=check; shift ;;
	--) shift; break ;;
	*) echo "usage: $0 [--timeout S] [--results DIR] [--mem MB] -- COMMAND..." >&2
	   echo "       $0 --shell [--results DIR] | --check" >&2
	   exit 2 ;;
	esac
done
if [ "$mode" = cmd ] && [ $# -eq 0 ]; then
	echo "usage: $0 [--timeout S] [--results DIR] [--mem MB] -- COMMAND..." >&2
	exit 2
fi
case "$timeout_s" in ''|*[!0-9]*) echo "vm: --timeout wants whole seconds" >&2; exit 2 ;; esac

# The modules stage 1 loads to mount the host's root, in dependency order.
BOOT_MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

# find_kernel - set KERNEL and KVER, or print why not and return 1.
find_kernel() {
	local k v
	if [ -n "${OM_VM_KERNEL:-}" ]; then
		k=$OM_VM_KERNEL
	else
		k=""
		k=$(for v in /boot/vmlinuz-*-amd64; do
			[ -d "/lib/modules/${v#/boot/vmlinuz-}" ] && echo "$v"
		done | sort -V | tail -n 1)
	fi
	if [ -z "$k" ] || [ ! -r "$k" ]; then
		echo "no guest kernel (Debian: apt-get install linux-image-amd64)"
		return 1
	fi
	KERNEL=$k
	KVER=${k##*/vmlinuz-}
	if [ ! -d "/lib/modules/$KVER" ]; then
		echo "no modules for guest kernel $KVER in /lib/modules/$KVER"
		return 1
	fi
	if ! grep -qx 'CONFIG_IP_MROUTE=y' "/boot/config-$KVER" 2>/dev/null; then
		echo "guest kernel $KVER: no CONFIG_IP_MROUTE in /boot/config-$KVER"
		return 1
	fi
	return 0
}

# vm_possible - print why a VM cannot run here and return 1, or return 0.
vm_possible() {
	local m
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
		{ echo "qemu-system-x86_64 not installed (Debian: apt-get install qemu-system-x86)"; return 1; }
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		echo "no static /bin/busybox (Debian: apt-get install busybox-static)"
		return 1
	fi
	command -v cpio >/dev/null 2>&1 ||
		{ echo "cpio not installed (Debian: apt-get install cpio)"; return 1; }
	[ "$(id -u)" -eq 0 ] || { echo "needs root (the host's root file system is shared whole)"; return 1; }
	find_kernel || return 1
	for m in $BOOT_MODS; do
		modinfo -k "$KVER" -n "$m" >/dev/null 2>&1 ||
			{ echo "guest kernel $KVER has no module $m"; return 1; }
	done
	return 0
}

if ! why=$(vm_possible); then
	if [ "$mode" = check ]; then
		echo "$why"
		exit 1
	fi
	die "cannot start a VM: $why"
fi
if [ "$mode" = check ]; then
	exit 0
fi
find_kernel >/dev/null || die "no guest kernel"

# ---------------------------------------------------------------------------
# Work directory: initramfs, the transfer share (job in, exit status out),
# the command's output channel and the console log.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/om-vm.XXXXXX") || die "mktemp failed"
QPID=""
CATPID=""

stop_vm() {
	if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
		kill -TERM "$QPID" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$QPID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
	QPID=""
	if [ -n "$CATPID" ]; then
		# Unblock a reader still waiting in open() on the fifo.
		{ exec 3<>"$WORK/out.fifo"; exec 3>&-; } 2>/dev/null
		wait "$CATPID" 2>/dev/null
		CATPID=""
	fi
}
cleanup() {
	stop_vm
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'say "interrupted, stopping the VM"; cleanup; trap - EXIT; exit 130' INT
trap 'say "terminated, stopping the VM"; cleanup; trap - EXIT; exit 143' TERM HUP

XFER=$WORK/xfer
mkdir -p "$XFER" "$WORK/initramfs/mods" "$WORK/initramfs/bin"

# Stage 1 (busybox, in the initramfs): load the 9p/overlay modules, mount the
# host's root read-only under a tmpfs overlay, mount the transfer share, and
# hand over to stage 2 (tests/vm/guest-init.sh, copied into the share) run
# by the host's own bash.
cp /bin/busybox "$WORK/initramfs/bin/busybox"
for m in $BOOT_MODS; do
	cp "$(modinfo -k "$KVER" -n "$m")" "$WORK/initramfs/mods/$m.ko" || die "cannot copy module $m"
done
cat >"$WORK/initramfs/init" <<INIT
#!/bin/busybox sh
B=/bin/busybox
fail() { \$B echo "vm-init: \$*"; \$B echo o >/proc/sysrq-trigger; \$B sleep 10; }
\$B mkdir -p /proc /sys /dev /lower /rw /newroot
\$B mount -t proc proc /proc
\$B mount -t devtmpfs dev /dev
for m in $(echo "$BOOT_MODS" | tr '\n' ' '); do
	\$B insmod /mods/\$m.ko || fail "insmod \$m failed"
done
n=0
until \$B mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose omroot /lower 2>/dev/null; do
	n=\$((n + 1)); [ \$n -lt 100 ] || fail "cannot mount the host's root (9p)"
	\$B usleep 50000
done
\$B mount -t tmpfs -o mode=0755 rw /rw || fail "tmpfs"
\$B mkdir -p /rw/upper /rw/work
\$B mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	fail "cannot mount the overlay"
\$B mkdir -p /newroot/om-vm
\$B mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 omxfer /newroot/om-vm ||
	fail "cannot mount the transfer share"
\$B umount /proc
\$B umount /dev
exec \$B switch_root /newroot /bin/bash /om-vm/guest-init.sh
fail "switch_root failed"
INIT
chmod 755 "$WORK/initramfs/init"
(cd "$WORK/initramfs" && find . | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio" ||
	die "cannot build the initramfs"

# ---------------------------------------------------------------------------
# qemu: KVM or software emulation (tcg)
accel=${OM_VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
	accel=tcg
	# KVM only where a quick probe boot works (nested KVM may hang or abort).
	if [ -w /dev/kvm ] && [ "${OM_VM_PROBING:-0}" != 1 ]; then
		if OM_VM_PROBING=1 OM_VM_ACCEL=kvm timeout -k 5 60 "$ME" --timeout 45 -- true \
				>/dev/null 2>&1 </dev/null; then
			accel=kvm
		else
			say "KVM probe boot failed, using software emulation (tcg)"
		fi
	fi
fi

# The job: stage 2, the command, where to run it, what to pass on.
cp "$VMDIR/guest-init.sh" "$XFER/guest-init.sh"
{
	printf 'OM_VM_MODE=%q\n' "$mode"
	printf 'OM_VM_CWD=%q\n' "$PWD"
	printf 'OM_VM_RESULTS=%q\n' "${results:+$(mkdir -p "$results" && cd "$results" && pwd)}"
	if [ "$mode" = shell ] && [ -t 0 ]; then
		printf 'OM_VM_STTY=%q\n' "$(stty size 2>/dev/null)"
	fi
} >"$XFER/job"
{
	while IFS= read -r v; do
		case "$v" in
		PATH|TERM|LANG|LC_*|CI|OM_*) printf 'export %s=%q\n' "$v" "${!v}" ;;
		esac
	done < <(compgen -e)
	echo "export OM_IN_VM=1 OM_VM_ACCEL=$accel"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$XFER/cmd.sh"

cpu=max
[ "$accel" = kvm ] && cpu=host

QEMU=(qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -smp "$cpus" -m "$mem"
	-nodefaults -no-user-config -display none -vga none -no-reboot -nic none
	-kernel "$KERNEL" -initrd "$WORK/initramfs.cpio"
	-append "console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init mitigations=off ${OM_VM_APPEND:-}"
	-fsdev "local,id=omroot,path=/,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=omroot,mount_tag=omroot
	-fsdev "local,id=omxfer,path=$XFER,security_model=none"
	-device virtio-9p-pci,fsdev=omxfer,mount_tag=omxfer)
# qboot: a minimal firmware that boots -kernel a second sooner than SeaBIOS.
[ -r /usr/share/qemu/qboot.rom ] && QEMU+=(-bios /usr/share/qemu/qboot.rom)
if [ -n "$results" ]; then
	QEMU+=(-fsdev "local,id=omres,path=$(cd "$results" && pwd),security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=omres,mount_tag=omres)
fi

start_ns=$(date +%s%N)
if [ "$mode" = shell ]; then
	say "kernel $KVER ($accel); the shell's exit stops the VM; Ctrl-A x kills it"
	QEMU+=(-chardev stdio,id=con,mux=on,signal=off -serial chardev:con -mon chardev=con,mode=readline)
	# In the foreground: a background job's stdin would be /dev/null.  qemu
	# puts the terminal in raw mode, so Ctrl-C goes to the guest.
	setpriv --pdeathsig KILL "${QEMU[@]}" 2>"$WORK/qemu.err"
	[ -t 0 ] && stty sane 2>/dev/null
	[ -s "$XFER/rc" ] || { say "the VM was stopped before the shell exited"; exit 125; }
else
	# ttyS0: kernel console, to a log; ttyS1: the command's output, through
	# a fifo to our stdout.
	mkfifo "$WORK/out.fifo"
	cat "$WORK/out.fifo" &
	CATPID=$!
	QEMU+=(-serial "file:$WORK/console.log" -chardev "file,id=out,path=$WORK/out.fifo" -serial chardev:out
		-monitor none)
	setpriv --pdeathsig KILL "${QEMU[@]}" </dev/null >"$WORK/qemu.out" 2>&1 &
	QPID=$!
	deadline=$((SECONDS + timeout_s))
	while kill -0 "$QPID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.2
	done
	if kill -0 "$QPID" 2>/dev/null; then
		say "timed out after ${timeout_s}s, stopping the VM"
		stop_vm
		exit 124
	fi
	wait "$QPID"
	QPID=""
	stop_vm
fi

if [ -e "$XFER/started" ]; then
	up_ns=$(stat -c %.9Y "$XFER/started" | tr -d .)
	up=$(((up_ns - start_ns) / 1000000))
	say "kernel $KVER ($accel) was up in $((up / 1000)).$(printf %03d $((up % 1000))) s"
fi
if [ ! -s "$XFER/rc" ]; then
	say "the VM stopped without an exit status; qemu said:"
	sed 's/^/vm:   /' "$WORK/qemu.err" "$WORK/qemu.out" 2>/dev/null | tail -n 20 >&2
	say "console (last 40 lines):"
	tail -n 40 "$WORK/console.log" 2>/dev/null | sed 's/^/vm:   /' >&2
	exit 125
fi
rc=$(cat "$XFER/rc")
case "$rc" in ''|*[!0-9]*) die "bad exit status from the VM: '$rc'" ;; esac
exit "$rc"
