#!/usr/bin/env bash
# nginx in front of two API replicas, for real, on loopback only.
#
# Renders this repo's nginx.conf with loopback versions of nginx/upstream.conf and
# nginx/local.conf into a temp dir, migrates one temp SQLite file, starts two
# `uvicorn $NGINX_CHECK_APP` replicas (SCHEDULER_ENABLED=false) and nginx
# (`nginx -p DIR -c DIR/nginx.conf`), then runs tests/deploy/test_nginx_live.py
# against it (NGINX_CHECK_URL etc. tell the tests where things are), after
# tests/cutover/test_nginx_live_gateway.py when the replicas are the gateway. Everything
# it started is stopped on exit. Installs nginx from Debian's packages when missing (root).
#
# NGINX_CHECK_APP: what the replicas run, by default gateway:app; fastapi_app.main:app is
# the app alone, as after Flask's retirement (scripts/retire_flask.sh rewrites the default).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export NGINX_CHECK_APP="${NGINX_CHECK_APP:-gateway:app}"
LIVE_TESTS=(tests/deploy/test_nginx_live.py)
case "$NGINX_CHECK_APP" in
    gateway:*) LIVE_TESTS=(tests/cutover/test_nginx_live_gateway.py "${LIVE_TESTS[@]}") ;;
esac

if [ -z "${VIRTUAL_ENV:-}" ] && [ -f .venv/bin/activate ]; then
    . .venv/bin/activate
fi

. scripts/lib/edge.sh
edge_nginx

WORK="$(mktemp -d -t nginx-check.XXXXXX)"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "${NGINX_CHECK_KEEP:-}" = "1" ]; then
        echo "nginx_check: logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

read -r EDGE_PORT PORT1 PORT2 < <(edge_free_ports 3)
edge_render "$WORK" "$EDGE_PORT" "$PORT1" "$PORT2"

# The replicas run in the temp dir (no stray .env), on one migrated SQLite file.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export DATABASE_URL="sqlite:///$WORK/api.db"
export SCHEDULER_ENABLED=false
export APP_ENV=development
export ALLOW_DEFAULT_ADMIN=true
export SECRET_KEY="nginx-check-secret-key-0123456789abcdef"
export JWT_SECRET_KEY="nginx-check-jwt-secret-key-0123456789abcdef"
(cd "$WORK" && python -m shared_models migrate)

REPLICA_PIDS=()
for port in "$PORT1" "$PORT2"; do
    (cd "$WORK" && exec uvicorn "$NGINX_CHECK_APP" --app-dir "$ROOT" --host 127.0.0.1 --port "$port" \
        --timeout-keep-alive 75 --proxy-headers --no-use-colors) >"$WORK/replica_$port.log" 2>&1 &
    PIDS+=("$!")
    REPLICA_PIDS+=("$!")
done

edge_start "$WORK"
PIDS+=("$EDGE_PID")

# Wait (at most 30 s) until each replica and the edge answer.
python - "$PORT1" "$PORT2" "$EDGE_PORT" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
for port in sys.argv[1:]:
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).read()
            break
        except Exception as exc:
            if time.monotonic() > deadline:
                sys.exit(f"nginx_check: port {port} did not come up: {exc}")
            time.sleep(0.2)
PY

export NGINX_CHECK_URL="http://127.0.0.1:$EDGE_PORT"
export NGINX_CHECK_REPLICA_LOGS="$WORK/replica_$PORT1.log:$WORK/replica_$PORT2.log"
export NGINX_CHECK_REPLICA_PIDS="${REPLICA_PIDS[*]}"
export NGINX_CHECK_ACCESS_LOG="$WORK/nginx_access.log"
status=0
python -m pytest "${LIVE_TESTS[@]}" || status=$?
if [ "$status" != 0 ]; then
    echo "--- nginx error log"; tail -n 30 "$WORK/nginx_error.log" || true
    for log in "$WORK"/replica_*.log; do echo "--- $log"; tail -n 30 "$log" || true; done
fi
exit "$status"
