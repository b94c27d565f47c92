#!/bin/bash
# test_install - what `make install` gives an operator: the plugin, the
# helper, both man pages and the docs with the sample configs land under
# DESTDIR/PREFIX and nowhere else; the man pages render; the installed
# sample configs load; the plugin exports only openvpn_plugin_* symbols.
. "$(dirname "$0")/../lib.sh"

# Under OM_RUN, which the lib's EXIT trap removes.
dest=$OM_RUN/destdir
prefix=/opt/om

make -C "$OM_ROOT" --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" \
	>"$OM_OUT/install.log" 2>&1 || om_fail "make install failed (see install.log)"

expected="$prefix/lib/openvpn/plugins/openvpn-plugin-mcast.so
$prefix/sbin/openvpn-mcast-helper
$prefix/share/doc/openvpn-mcast/README.md
$prefix/share/doc/openvpn-mcast/sample-config/igmpproxy.conf
$prefix/share/doc/openvpn-mcast/sample-config/openvpn-mcast.conf
$prefix/share/doc/openvpn-mcast/sample-config/server.conf
$prefix/share/man/man5/openvpn-mcast.conf.5
$prefix/share/man/man8/openvpn-mcast-helper.8"
got=$(cd "$dest" && find . -type f | sed 's|^\.||' | sort)
om_assert_eq "$got" "$expected" "installed files"
om_assert_eq "$(stat -c %a "$dest$prefix/sbin/openvpn-mcast-helper")" 755 "helper mode"

for page in man5/openvpn-mcast.conf.5 man8/openvpn-mcast-helper.8; do
	out=$(MANWIDTH=80 man -l "$dest$prefix/share/man/$page" 2>"$OM_OUT/man.err") ||
		om_fail "man -l $page failed: $(cat "$OM_OUT/man.err")"
	[ ! -s "$OM_OUT/man.err" ] || om_fail "man -l $page warned: $(cat "$OM_OUT/man.err")"
	grep -q "^NAME" <<<"$out" || om_fail "man -l $page: no NAME section"
	om_log "ok: $page renders ($(wc -l <<<"$out") lines)"
done

for conf in openvpn-mcast.conf; do
	"$dest$prefix/sbin/openvpn-mcast-helper" -t \
		-c "$dest$prefix/share/doc/openvpn-mcast/sample-config/$conf" ||
		om_fail "installed sample $conf does not load"
done
# The sample documents every key: a config setting each of them must load,
# and the sample must mention each key the loader accepts.
for key in helper control_socket status_file metrics_file status_interval nft_table nflog_group \
	log_level querier version robustness query_interval query_response_interval crashes window \
	client_multicast; do
	grep -q "^[[:space:]]*$key = " "$OM_ROOT/sample-config/openvpn-mcast.conf" ||
		om_fail "sample-config/openvpn-mcast.conf does not document '$key'"
done
om_log "ok: sample config documents every key"

syms=$(nm -D --defined-only "$dest$prefix/lib/openvpn/plugins/openvpn-plugin-mcast.so" |
	awk '{print $3}' | grep -v '^openvpn_plugin_' || true)
om_assert_eq "$syms" "" "plugin symbols other than openvpn_plugin_*"
