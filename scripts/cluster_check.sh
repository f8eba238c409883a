#!/usr/bin/env bash
# The compose topology run for real on this machine (issue 15), bounded to 6 minutes:
# a fresh PostgreSQL database, two gateway replicas behind nginx (nginx.conf), two
# `python -m scheduler` candidates and a webhook target; see scripts/cluster_check.py
# for the checks. Installs nginx and wrk from Debian's packages when missing (root).
# CLUSTER_CHECK_KEEP=1 keeps the processes' logs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${VIRTUAL_ENV:-}" ] && [ -f .venv/bin/activate ]; then
    . .venv/bin/activate
fi

. scripts/lib/edge.sh
edge_nginx
edge_wrk

WORK="$(mktemp -d -t cluster-check.XXXXXX)"
EDGE_PID=""
cleanup() {
    if [ -n "$EDGE_PID" ]; then
        kill "$EDGE_PID" 2>/dev/null || true
        wait "$EDGE_PID" 2>/dev/null || true
    fi
    if [ "${CLUSTER_CHECK_KEEP:-}" = "1" ]; then
        echo "cluster_check: logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

read -r EDGE_PORT PORT1 PORT2 < <(edge_free_ports 3)
edge_render "$WORK" "$EDGE_PORT" "$PORT1" "$PORT2"
edge_start "$WORK"

status=0
timeout --signal=TERM --kill-after=10 360 \
    python scripts/cluster_check.py --work "$WORK" --edge-port "$EDGE_PORT" --ports "$PORT1" "$PORT2" \
    --wrk "$WRK" || status=$?
if [ "$status" != 0 ]; then
    echo "--- nginx error log"; tail -n 20 "$WORK/nginx_error.log" || true
    for log in "$WORK"/*.log; do
        case "$log" in *nginx*) continue ;; esac
        echo "--- $log"; tail -n 25 "$log" || true
    done
fi
exit "$status"
