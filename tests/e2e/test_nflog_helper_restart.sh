#!/bin/bash
# test_nflog_helper_restart - test_helper_restart on the nflog path (datapath = "nflog"): the
# new helper replaces the dead one's nftables table in one transaction.
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_helper_restart.sh"
