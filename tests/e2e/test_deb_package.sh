#!/bin/bash
# test_deb_package - the Debian package as an operator gets it:
#   a) each command of README's "Install from the package" section, with
#      /etc/openvpn in a scratch directory: `make deb` (dpkg-buildpackage
#      -b -us -uc), `dpkg -i`, the config check on the installed sample;
#   b) lintian reports no error or warning (run with --pedantic and
#      --display-info; its whole output goes to lintian.txt and the log);
#   c) the files land where the issue says, and the man pages are found;
#   d) the two-instance delivery scenario (test_multi_instance) runs on the
#      installed helper, plugin and sample configs;
#   e) `dpkg --purge` (README) removes every file; no helper is left.
# The machine is left as found: the package is purged on any exit, and a
# build/deb/ that did not exist before is removed. DEB_BUILD_OPTIONS=nocheck:
# the unit tests run on their own in `make check`.
. "$(dirname "$0")/../lib.sh"

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null 2>&1 ||
		om_skip "$tool is missing (tests/deps.sh installs dpkg-dev, debhelper and lintian)"
done
if dpkg-query -W -f='${Status}\n' openvpn-mcast 2>/dev/null | grep -q ' installed$'; then
	om_skip "an openvpn-mcast package is installed here already; this test would replace and purge it"
fi

ETC=$OM_RUN/etc/openvpn
HAD_BUILD=0
[ ! -e "$OM_ROOT/build/deb" ] || HAD_BUILD=1
HAD_RUNDIR=0
[ ! -e /run/openvpn-mcast ] || HAD_RUNDIR=1

pkg_cleanup() {
	if dpkg-query -W -f='${Status}\n' openvpn-mcast 2>/dev/null | grep -qv '^unknown\|not-installed'; then
		dpkg --purge openvpn-mcast >>"$OM_OUT/purge.log" 2>&1 ||
			om_log "cleanup: dpkg --purge openvpn-mcast failed (purge.log)"
	fi
	if [ "$HAD_BUILD" = 0 ]; then
		rm -rf "$OM_ROOT/build/deb"
		rmdir "$OM_ROOT/build" 2>/dev/null
	fi
	return 0
}
trap 'rc=$?; pkg_cleanup; (exit $rc); om_cleanup' EXIT

# readme_commands - the command lines of the ```sh blocks in README's
# "Install from the package" section, /etc/openvpn made the scratch one.
readme_commands() {
	awk '/^## Install from the package$/ { s = 1; next } /^## / { s = 0 }
		s && /^```sh$/ { b = 1; next } s && /^```$/ { b = 0; next } s && b && NF' \
		"$OM_ROOT/README.md" | sed "s|/etc/openvpn|$ETC|g"
}
readme_commands >"$OM_OUT/readme-commands.txt"
[ "$(wc -l <"$OM_OUT/readme-commands.txt")" -ge 3 ] ||
	om_fail "too few commands in README's Install from the package section"
grep -q '^make deb$' "$OM_OUT/readme-commands.txt" || om_fail "README does not say make deb"
grep -q '^dpkg -i ' "$OM_OUT/readme-commands.txt" || om_fail "README does not say dpkg -i"
grep -q '^dpkg --purge openvpn-mcast$' "$OM_OUT/readme-commands.txt" || om_fail "README does not say how to purge"

run_readme() { # a command line from README, in the source tree
	local t0=$SECONDS
	om_log "README: $1"
	(cd "$OM_ROOT" && DEB_BUILD_OPTIONS="nocheck parallel=2" bash -ec "$1") \
		>>"$OM_OUT/readme.log" 2>&1 || om_fail "README command failed: $1 (readme.log)"
	om_log "  ok ($((SECONDS - t0)) s)"
}

# --- a) build and install ---------------------------------------------------------------
mkdir -p "$OM_RUN/etc"
while IFS= read -r cmd; do
	case "$cmd" in dpkg\ --purge*) continue ;; esac
	run_readme "$cmd"
done <"$OM_OUT/readme-commands.txt"

# --- b) lintian -------------------------------------------------------------------------
changes=$(ls "$OM_ROOT"/build/deb/openvpn-mcast_*.changes)
lintian --fail-on error,warning --pedantic --display-info "$changes" >"$OM_OUT/lintian.txt" 2>&1 ||
	om_fail "lintian reports errors or warnings: $(cat "$OM_OUT/lintian.txt")"
tags=$(grep -v '^running with root privileges is not recommended!$' "$OM_OUT/lintian.txt" || true)
om_log "lintian $(lintian --version | awk '{print $2}') --pedantic --display-info: ${tags:-no tags at all}"

# --- c) the installed files --------------------------------------------------------------
dpkg -L openvpn-mcast | sort >"$OM_OUT/files.txt"
for f in /usr/lib/openvpn/plugins/openvpn-plugin-mcast.so /usr/sbin/openvpn-mcast-helper \
	/usr/share/man/man5/openvpn-mcast.conf.5.gz /usr/share/man/man8/openvpn-mcast-helper.8.gz \
	/usr/share/doc/openvpn-mcast/sample-config/openvpn-mcast.conf \
	/usr/share/doc/openvpn-mcast/sample-config/server.conf \
	/usr/share/doc/openvpn-mcast/sample-config/igmpproxy.conf \
	/usr/share/doc/openvpn-mcast/copyright; do
	grep -qx "$f" "$OM_OUT/files.txt" || om_fail "the package lacks $f"
	[ -f "$f" ] || om_fail "$f is not installed"
done
om_assert_eq "$(man -w openvpn-mcast-helper)" /usr/share/man/man8/openvpn-mcast-helper.8.gz "man -w openvpn-mcast-helper"
om_assert_eq "$(man -w openvpn-mcast.conf)" /usr/share/man/man5/openvpn-mcast.conf.5.gz "man -w openvpn-mcast.conf"
om_assert_eq "$(/usr/sbin/openvpn-mcast-helper -V)" "openvpn-mcast-helper $(dpkg-query -W -f='${Version}' openvpn-mcast)" "installed helper's version"
om_log "ok: $(grep -c . "$OM_OUT/files.txt") paths installed"

# --- d) delivery on the installed files -----------------------------------------------
om_log "delivery scenario (test_multi_instance) on the installed files: delivery.log"
OM_PKG_PREFIX=/usr OM_TEST_NAME=test_deb_package-delivery \
	bash "$OM_ROOT/tests/e2e/test_multi_instance.sh" >"$OM_OUT/delivery.log" 2>&1 ||
	om_fail "the delivery scenario failed on the installed files: $(tail -n 5 "$OM_OUT/delivery.log")"
grep -E 'ok: (alice|carol|bob|dave) |using the installed' "$OM_OUT/delivery.log" | sed 's/^/  /' >&2

# --- e) purge ------------------------------------------------------------------------------
while IFS= read -r cmd; do
	case "$cmd" in dpkg\ --purge*) run_readme "$cmd" ;; esac
done <"$OM_OUT/readme-commands.txt"
if dpkg-query -W -f='${Status}\n' openvpn-mcast 2>/dev/null | grep -q installed; then
	om_fail "openvpn-mcast still installed after the purge"
fi
left=""
while IFS= read -r f; do
	[ -d "$f" ] || [ ! -e "$f" ] || left="$left $f"
done <"$OM_OUT/files.txt"
om_assert_eq "$left" "" "files left after dpkg --purge"
pgrep -f '^/usr/sbin/openvpn-mcast-helper' >/dev/null && om_fail "a helper from the package still runs"
if [ "$HAD_RUNDIR" = 0 ] && [ -e /run/openvpn-mcast ]; then
	om_fail "/run/openvpn-mcast was created on this machine"
fi
om_log "ok: purged; nothing of the package left"
