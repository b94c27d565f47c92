#!/bin/bash
# test_nflog_v6_client_multicast - test_v6_client_multicast on the nflog path (datapath = "nflog").
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_v6_client_multicast.sh"
