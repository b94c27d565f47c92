#!/bin/bash
# test_registry_reconnect - clients that come back are listed once, with
# what is true now:
#   a) alice's OpenVPN restarts (SIGUSR1, as on a network change): after
#      reconnecting she is listed exactly once, with her new real address
#      (new source port) and her tap's MAC;
#   b) bob's OpenVPN is stopped and started again (new process, new tap,
#      new MAC): he is listed exactly once, with the new MAC.
. "$(dirname "$0")/../lib.sh"

om_need_built
om_topo_vpn 2
om_server_start plugin
om_client_start 1
om_client_start 2

rows_of() {
	om_status | awk -F, -v cn="$1" '$1 == "CLIENT" && $3 == cn' | wc -l
}
# listed_as CN REAL MAC - exactly one row for CN, with that real address
# and MAC.
listed_as() {
	local st
	st=$(om_status) || return 1
	[ "$(awk -F, -v cn="$1" '$1 == "CLIENT" && $3 == cn' <<<"$st" | wc -l)" = 1 ] &&
		awk -F, -v cn="$1" -v r="$2" -v m="$3" \
			'$1 == "CLIENT" && $3 == cn && $4 == r && $6 == m { f = 1 } END { exit !f }' <<<"$st"
}

# --- a) restart in place -----------------------------------------------------
old_real=$(om_client_real_addr 1)
mac=$(om_if_mac c1 tap0)
om_wait 5 "alice listed" listed_as alice "$old_real" "$mac"
kill -USR1 "${OM_CLIENT_PID[1]}"
# The restart is done when the log shows a second initialisation.
alice_reinitialised() {
	[ "$(grep -c 'Initialization Sequence Completed' "$OM_OUT/client-alice.log")" -ge 2 ]
}
om_wait 20 "alice's OpenVPN reconnected after SIGUSR1" alice_reinitialised
om_client_poke 1
new_real=$(om_client_real_addr 1)
mac=$(om_if_mac c1 tap0)
om_log "alice: real address $old_real -> $new_real, MAC $mac"
om_wait 5 "alice listed once as $new_real $mac" listed_as alice "$new_real" "$mac"
om_status_save alice-restarted
om_log "ok: alice listed once, as $new_real with $mac"

# --- b) stop and start: new tap, new MAC ----------------------------------------
old_mac=$(om_if_mac c2 tap0)
om_client_stop 2 TERM
om_client_start 2
new_mac=$(om_if_mac c2 tap0)
[ "$new_mac" != "$old_mac" ] || om_log "note: bob's new tap got the same MAC $new_mac"
# OpenVPN may keep the old instance for a few seconds (exit notification),
# so allow until it has disconnected it.
om_wait 10 "bob listed once with his new MAC $new_mac" listed_as bob "$(om_client_real_addr 2)" "$new_mac"
om_status_save bob-restarted
om_assert_eq "$(rows_of bob)" 1 "status: rows for bob"
om_assert_eq "$(rows_of alice)" 1 "status: rows for alice"
