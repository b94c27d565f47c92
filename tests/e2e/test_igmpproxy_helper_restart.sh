#!/bin/bash
# test_igmpproxy_helper_restart - test_helper_restart with igmpproxy feeding the tap (on kernels
# without multicast routing it runs in the VM).
# om_need_mroute: igmpproxy is the subject.
if [ ! -e /proc/net/ip_mr_vif ]; then
	echo "SKIP: needs kernel multicast routing (CONFIG_IP_MROUTE), which kernel $(uname -r) lacks: igmpproxy is the subject" >&2
	exit 77
fi
OM_FEED=igmpproxy OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_helper_restart.sh"
