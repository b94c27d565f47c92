#!/bin/bash
# test_nflog_policy_select - test_policy_select on the nflog path (datapath = "nflog").
OM_DATAPATH=nflog OM_TEST_NAME=$(basename "$0" .sh) exec bash "$(dirname "$0")/test_policy_select.sh"
