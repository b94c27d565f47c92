#!/bin/bash
# test_nflog_client_multicast6 - test_client_multicast6 on the nflog path.
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_client_multicast6.sh"
