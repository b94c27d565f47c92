#!/bin/bash
# test_churn_soak - churn soak of the real helper (issue 11, item 3).
# tests/tools/churn plays OpenVPN (the plugin protocol, the tap) and 64
# clients that connect, join, leave and disconnect at random for
# OM_SOAK_SECONDS (default 90; `make soak` runs it longer), answering the
# helper's queries from its ground truth.  Asserts, through the control
# socket, that the helper's clients (id, cn, MAC) and each client's groups
# equal the ground truth exactly after the warm-up, after the churn, and once
# everyone disconnected; that the helper's RSS after the churn is within
# 1 MiB of its level before; and that the helper exits 0.  The seed is
# printed (OM_SOAK_SEED replays one).  Data path: OM_DATAPATH, else auto.
. "$(dirname "$0")/../lib.sh"

SECS=${OM_SOAK_SECONDS:-90}
CLIENTS=${OM_SOAK_CLIENTS:-64}
om_need_built
om_need_file "$OM_TOOLS/churn" "tests/tools/churn (make tests/tools/churn)"
om_ns_add srv
om_helper_conf
# The churn writes a report or a leave every tick: debug-level logging of
# each would be most of the helper's work.
echo 'log_level = 1;' >>"$OM_OUT/helper.conf"
# General queries every 10 s (a membership lasts 2 x 10 + 5 s unless
# refreshed): the harness's answers keep the memberships alive meanwhile.
echo 'igmp = { query_interval = 10; query_response_interval = 5; };' >>"$OM_OUT/helper.conf"

RSS_SLACK=1024
# Under ASan (make check-asan) freed memory sits in its quarantine, so RSS
# says nothing about the helper there; the plain run asserts it.
if [ "${OM_ASAN:-0}" = 1 ]; then
	RSS_SLACK=-1
	om_log "ASan build: the RSS bound is not checked in this run"
fi
om_log "churn: $CLIENTS clients for $SECS s"
om_nsx srv "$OM_TOOLS/churn" -H "$OM_HELPER" -c "$OM_OUT/helper.conf" -S "$OM_CTL_SOCK" \
	-n "$CLIENTS" -d "$SECS" -r "$RSS_SLACK" ${OM_SOAK_SEED:+-s "$OM_SOAK_SEED"} \
	>"$OM_OUT/churn.out" 2>"$OM_OUT/churn.err" || {
	cat "$OM_OUT/churn.out" "$OM_OUT/churn.err" >&2
	om_fail "churn soak failed (seed: $(sed -n 's/^churn: seed \([0-9]*\).*/\1/p' "$OM_OUT/churn.out"))"
}
cat "$OM_OUT/churn.out"
grep -q '^churn: ok' "$OM_OUT/churn.out" || om_fail "churn gave no ok line"
om_log "ok: status equals the ground truth after the churn; RSS within $RSS_SLACK KiB (-1: not checked); clean exit"
