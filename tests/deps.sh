#!/bin/sh
# tests/deps.sh - make sure every Debian package the build and the tests need
# is installed.  Run by `make deps`, which `make check` runs first.
#
# Installs what is missing with apt-get when it can (root, apt-get present);
# otherwise prints the exact command to run and exits non-zero, so that a
# missing tool shows up here and not as a confusing test failure later.
#
# POSIX sh on purpose: the Makefile runs it as `sh tests/deps.sh`.
set -eu

# Build: compiler, pkg-config and the libraries the helper, the plugin and
# the unit tests link against.  openvpn-plugin.h comes with openvpn itself.
# clang, libbpf-dev and bpftool build the tc programs of the in-kernel data
# plane and embed them in the helper (a bpftool skeleton).
BUILD_PKGS="pkg-config gcc make libpcap-dev libconfig-dev libnftables-dev
libcmocka-dev openvpn
clang libbpf-dev bpftool"
# End-to-end tests: real OpenVPN, igmpproxy, nftables and smcroute inside
# network namespaces; tcpdump counts frames; openssl makes the test PKI;
# procps/psmisc for pgrep/pkill-by-pid style process handling; gnuplot-nox
# draws the bench's picture and jq checks its JSON (the bench smoke test);
# valgrind runs the helper through the churn test (test_churn_valgrind);
# iputils-ping checks IPv6 neighbour discovery over the VPN (test_mld_snoop).
RUNTIME_PKGS="openvpn igmpproxy nftables iproute2 tcpdump smcroute openssl
procps psmisc man-db
gnuplot-nox jq valgrind iputils-ping"
# The Debian package (make deb, test_deb_package): the distribution's tools
# build it and lintian checks it; prometheus provides promtool, which checks
# the metrics files (no service starts without systemd; none is enabled).
DEB_PKGS="debhelper dpkg-dev fakeroot lintian prometheus"
# The fuzzer (make fuzz / fuzz-check) needs clang with libFuzzer.
FUZZ_PKGS="clang libclang-rt-14-dev"

# Where this kernel cannot route multicast (no CONFIG_IP_MROUTE: igmpproxy and
# smcroute cannot run), the tests that need it run in a VM on Debian's stock
# kernel (tests/vm/run.sh): qemu, a static busybox and cpio for its
# initramfs, and exactly one kernel package.  No glob: linux-image-6.1.0-*
# would pull dozens of kernels.
VM_PKGS="qemu-system-x86 busybox-static cpio linux-image-amd64"
need_vm=0
[ -e /proc/net/ip_mr_vif ] || need_vm=1

ALL_PKGS="$BUILD_PKGS $RUNTIME_PKGS $DEB_PKGS $FUZZ_PKGS"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: dpkg-query not found; this script knows Debian 12 only." >&2
	echo "deps: install these packages by hand:" $ALL_PKGS >&2
	exit 1
fi

# is_installed PKG - true when dpkg says PKG is fully installed.
is_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

missing=""
seen=" "
for p in $ALL_PKGS; do
	case "$seen" in *" $p "*) continue ;; esac
	seen="$seen$p "
	is_installed "$p" || missing="$missing $p"
done
vm_missing=""
if [ "$need_vm" -eq 1 ]; then
	for p in $VM_PKGS; do
		is_installed "$p" || vm_missing="$vm_missing $p"
	done
fi

if [ -z "$missing$vm_missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

echo "deps: missing:$missing$vm_missing"
[ -z "$vm_missing" ] ||
	echo "deps: kernel $(uname -r) cannot route multicast: the tests that need it run in a VM (tests/vm/run.sh)"
cmd=""
[ -z "$missing" ] || cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y$missing"
# Without recommends: qemu-system-x86 would pull a GUI, the kernel firmware.
vm_cmd=""
[ -z "$vm_missing" ] ||
	vm_cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$vm_missing"
cmd="$cmd${cmd:+${vm_cmd:+ && }}$vm_cmd"

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: cannot install (need root and apt-get). Run:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi

# Package lists on a fresh machine or container are often empty or stale;
# refresh them once, only because something is actually missing.
echo "deps: apt-get update"
if ! apt-get update; then
	echo "deps: apt-get update failed. Run by hand:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
if [ -n "$missing" ]; then
	echo "deps: DEBIAN_FRONTEND=noninteractive apt-get install -y$missing"
	# shellcheck disable=SC2086 # word splitting of the package list is wanted
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y $missing; then
		echo "deps: apt-get install failed. Run by hand:" >&2
		echo "  apt-get update && $cmd" >&2
		exit 1
	fi
fi
if [ -n "$vm_missing" ]; then
	# The VM boots the kernel with an initramfs of its own.  Where no boot
	# loader could ever boot this kernel (a container, CI), skip building
	# Debian's initramfs for it (minutes of CPU, twice); where one could,
	# keep it so that the machine still boots.
	initrd=""
	if [ ! -d /boot/grub ] && [ ! -d /boot/efi/loader ] && [ ! -d /boot/loader ] &&
			[ ! -e /etc/kernel/postinst.d/zz-update-grub ] &&
			[ ! -e /etc/kernel/postinst.d/zz-systemd-boot ]; then
		initrd="INITRD=No"
		echo "deps: no boot loader here: the guest kernel gets no Debian initramfs (INITRD=No)"
	fi
	echo "deps: $vm_cmd"
	# shellcheck disable=SC2086
	if ! env $initrd DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $vm_missing; then
		echo "deps: apt-get install failed. Run by hand:" >&2
		echo "  apt-get update && $cmd" >&2
		exit 1
	fi
fi

still=""
for p in $missing $vm_missing; do
	is_installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "deps: still missing after install:$still" >&2
	exit 1
fi
echo "deps: installed:$missing$vm_missing"
