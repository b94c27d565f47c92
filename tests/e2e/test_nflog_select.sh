#!/bin/bash
# test_nflog_select - test_mcast_select on the nflog path (datapath = "nflog"): the
# fallback where the tc programs cannot load stays tested.
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_mcast_select.sh"
