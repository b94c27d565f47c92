#!/bin/bash
# test_nflog_v6_upstream - test_v6_upstream on the nflog path (datapath = "nflog"): IPv6 group data
# diverted by nftables, checksums made valid and copied by the helper.
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_v6_upstream.sh"
