#!/bin/sh
# tests/e2e/run.sh - run the end-to-end tests only (`make e2e`).
# Usage: sh tests/e2e/run.sh [test_NAME...]
# Same output and exit status as tests/run-all.sh; naming a test also runs
# one that is listed in tests/e2e/PENDING.
exec sh "$(dirname "$0")/../run-all.sh" --e2e-only "$@"
