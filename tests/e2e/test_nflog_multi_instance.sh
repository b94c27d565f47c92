#!/bin/bash
# test_nflog_multi_instance - test_multi_instance on the nflog path (datapath = "nflog"): two
# instances' derived nftables tables and nflog groups side by side.
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_multi_instance.sh"
