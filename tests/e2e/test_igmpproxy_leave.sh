#!/bin/bash
# test_igmpproxy_leave - test_mcast_leave with igmpproxy feeding the tap, as
# operators whose kernel routes multicast run it (on kernels without
# multicast routing, test_mcast_leave runs in standalone mode instead).
# om_need_mroute: igmpproxy is the subject.
if [ ! -e /proc/net/ip_mr_vif ]; then
	echo "SKIP: needs kernel multicast routing (CONFIG_IP_MROUTE), which kernel $(uname -r) lacks: igmpproxy is the subject" >&2
	exit 77
fi
OM_FEED=igmpproxy OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_mcast_leave.sh"
