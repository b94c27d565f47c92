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
BUILD_PKGS="pkg-config gcc make libpcap-dev libconfig-dev libnftables-dev
libcmocka-dev openvpn"
# End-to-end tests: real OpenVPN, igmpproxy, nftables and smcroute inside
# network namespaces; tcpdump counts frames; openssl makes the test PKI;
# procps/psmisc for pgrep/pkill-by-pid style process handling.
RUNTIME_PKGS="openvpn igmpproxy nftables iproute2 tcpdump smcroute openssl
procps psmisc man-db"
# The fuzzer (make fuzz / fuzz-check) needs clang with libFuzzer.
FUZZ_PKGS="clang libclang-rt-14-dev"

ALL_PKGS="$BUILD_PKGS $RUNTIME_PKGS $FUZZ_PKGS"

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

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

echo "deps: missing:$missing"
cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y$missing"

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
echo "deps: $cmd"
# shellcheck disable=SC2086 # word splitting of the package list is wanted
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y $missing; then
	echo "deps: apt-get install failed. Run by hand:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi

still=""
for p in $missing; do
	is_installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "deps: still missing after install:$still" >&2
	exit 1
fi
echo "deps: installed:$missing"
