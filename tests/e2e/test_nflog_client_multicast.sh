#!/bin/bash
# test_nflog_client_multicast - test_client_multicast on the nflog path
# (datapath = "nflog"): the sender's MAC comes from the nflog record.
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_client_multicast.sh"
