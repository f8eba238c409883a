#!/usr/bin/env bash
# Schemathesis with every check it has (`--checks all`, configured by the repository's
# schemathesis.toml) against both stacks of one live gateway on a temp SQLite file:
# /api/v2 with the v2 OpenAPI as served, /api with the same document under `/api` minus
# the v2-only routes. Fails on any failure. Reports in reports/schemathesis/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
if [ -z "${VIRTUAL_ENV:-}" ] && [ -f .venv/bin/activate ]; then
    . .venv/bin/activate
fi

WORK="$(mktemp -d -t schemathesis-check.XXXXXX)"
SERVER=""
cleanup() {
    [ -z "$SERVER" ] || { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite:///$WORK/schemathesis.sqlite"
export SECRET_KEY="schemathesis-check-secret-key-0123456789abcdef"
export JWT_SECRET_KEY="$SECRET_KEY"
export SCHEDULER_ENABLED=false ALLOW_DEFAULT_ADMIN=false LOGIN_RATE_LIMIT_PER_MINUTE=1000000
export CHECK_ORIGIN="http://127.0.0.1:$PORT"
export CHECK_USERNAME=schemathesis CHECK_PASSWORD="Schemathesis-check-1"
export SCHEMATHESIS_HOOKS=scripts.schemathesis_hooks

python -m shared_models migrate >/dev/null
python -m shared_models create-admin --username "$CHECK_USERNAME" \
    --email schemathesis@example.com --password "$CHECK_PASSWORD" >/dev/null
uvicorn gateway:app --host 127.0.0.1 --port "$PORT" --log-level warning >"$WORK/server.log" 2>&1 &
SERVER=$!

python - "$WORK" <<'PY'
"""Wait for the gateway, make a stand-in user, write the legacy schema; print the ids."""
import json
import os
import sys
import time
from pathlib import Path

import httpx

origin, work = os.environ["CHECK_ORIGIN"], Path(sys.argv[1])
for _ in range(100):
    try:
        document = httpx.get(f"{origin}/api/v2/openapi.json").json()
        break
    except httpx.TransportError:
        time.sleep(0.1)
else:
    sys.exit("schemathesis_check: the gateway did not start")
login = httpx.post(f"{origin}/api/v2/auth/login", json={
    "username": os.environ["CHECK_USERNAME"], "password": os.environ["CHECK_PASSWORD"],
}).json()
headers = {"Authorization": f"Bearer {login['access_token']}"}
stand_in = httpx.post(f"{origin}/api/v2/auth/register", headers=headers, json={
    "username": "stand_in", "email": "stand-in@example.com", "password": "Stand-in-pass-1", "role": "user",
}).json()["user"]
(work / "ids.env").write_text(f"CHECK_ADMIN_ID={login['user']['id']}\nCHECK_STAND_IN_ID={stand_in['id']}\n")
v2_only = {"/auth/login/form", "/auth/logout", "/auth/verify"}
legacy = dict(document, paths={
    "/api" + path.removeprefix("/api/v2"): item
    for path, item in document["paths"].items() if path.removeprefix("/api/v2") not in v2_only
})
(work / "legacy-openapi.json").write_text(json.dumps(legacy))
PY
set -a; . "$WORK/ids.env"; set +a

mkdir -p reports/schemathesis
failed=0
echo "schemathesis_check: v2 (/api/v2)"
schemathesis run "$CHECK_ORIGIN/api/v2/openapi.json" \
    --report junit --report-junit-path "$ROOT/reports/schemathesis/v2.xml" || failed=1
echo "schemathesis_check: legacy (/api)"
schemathesis run "$WORK/legacy-openapi.json" --url "$CHECK_ORIGIN" \
    --report junit --report-junit-path "$ROOT/reports/schemathesis/legacy.xml" || failed=1
exit "$failed"
