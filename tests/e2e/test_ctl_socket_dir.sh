#!/bin/bash
# test_ctl_socket_dir - openvpn-mcast.conf(5) says of control_socket: "Its
# directory is created if missing."  Here the directory is missing with its
# parents (…/run/openvpn-mcast/srv1/ctl.sock under an empty directory): the
# server must still start and the helper answer on that socket; stopping
# the server removes the socket.
. "$(dirname "$0")/../lib.sh"

om_need_built
OM_CTL_SOCK="$OM_RUN/run/openvpn-mcast/srv1/ctl.sock"
om_topo_vpn 1
om_server_start plugin
om_client_start 1
om_wait 5 "status lists alice" om_status_has_client alice
om_log "ok: helper answers on $OM_CTL_SOCK"
om_server_stop
om_assert_server_left_nothing
