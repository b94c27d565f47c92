#!/bin/bash
# test_server_restart - the OpenVPN server restarts while clients stay up.
#   a) SIGUSR1 (soft restart, no persist-tun): OpenVPN closes and recreates
#      tap0 and runs the plugin's UP again.  The clients reconnect and are
#      listed exactly once each, with their current real address and MAC;
#      the helper keeps answering; if it had installed its nftables table,
#      the table is back on the new tap0.
#   b) SIGHUP (hard restart): OpenVPN closes and reopens its plugins, so the
#      old helper must be gone and exactly one helper must serve the status.
#   c) a final stop leaves nothing behind.
. "$(dirname "$0")/../lib.sh"

om_need_built
# The server tells the clients about its restart, so they reconnect at once
# instead of after their ping timeout.
OM_SERVER_EXTRA='explicit-exit-notify 1'
om_topo_vpn 2
om_server_start plugin
for i in 1 2; do om_client_start "$i"; done

# all_listed_once - each client exactly once, as it is now.
all_listed_once() {
	local st i cn
	st=$(om_status 2>/dev/null) || return 1
	for i in 1 2; do
		cn=${OM_CLIENT_CN[i]}
		[ "$(awk -F, -v cn="$cn" '$1 == "CLIENT" && $3 == cn' <<<"$st" | wc -l)" = 1 ] || return 1
		awk -F, -v cn="$cn" -v r="$(om_client_real_addr "$i")" -v m="$(om_if_mac "c$i" tap0)" \
			'$1 == "CLIENT" && $3 == cn && $4 == r && $6 == m { f = 1 } END { exit !f }' <<<"$st" || return 1
	done
}
inits() { grep -c 'Initialization Sequence Completed' "$OM_OUT/$1.log"; }
inits_ge() { [ "$(inits "$1")" -ge "$2" ]; }
# restart_and_reconnect SIGNAL - restart the server, wait until it and both
# clients have initialised again and the clients reach it.
restart_and_reconnect() {
	local sig=$1 s c1 c2 i
	s=$(inits server) c1=$(inits client-alice) c2=$(inits client-bob)
	kill "-$sig" "$OM_SERVER_PID"
	om_wait 20 "server re-initialised after SIG$sig" inits_ge server $((s + 1))
	om_wait 30 "alice reconnected" inits_ge client-alice $((c1 + 1))
	om_wait 30 "bob reconnected" inits_ge client-bob $((c2 + 1))
	for i in 1 2; do om_client_poke "$i"; done
}

om_wait 5 "both clients listed" all_listed_once
helper1=$(om_helper_pids)
om_assert_eq "$(wc -w <<<"$helper1")" 1 "helper processes before the restarts"
table_before=0
om_dp_installed && table_before=1

# --- a) SIGUSR1 --------------------------------------------------------------
restart_and_reconnect USR1
om_wait 10 "both clients listed once, as they are now, after SIGUSR1" all_listed_once
om_status_save after-usr1
om_log "ok: clients listed once after SIGUSR1"
if [ "$table_before" = 1 ]; then
	om_wait 5 "data path (table or tc filter) back after tap0 was recreated" om_dp_installed
	om_log "ok: data path reinstalled"
fi

# --- b) SIGHUP ---------------------------------------------------------------
restart_and_reconnect HUP
om_wait 10 "both clients listed once, as they are now, after SIGHUP" all_listed_once
om_status_save after-hup
helper2=$(om_helper_pids)
om_assert_eq "$(wc -w <<<"$helper2")" 1 "helper processes after SIGHUP"
om_log "helper pid $helper1 -> $helper2"

# --- c) stop ------------------------------------------------------------------
om_server_stop
om_assert_server_left_nothing
