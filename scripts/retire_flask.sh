#!/usr/bin/env bash
# Retire Flask on a copy of the repository and prove what remains stands alone.
#
# Why: the migration must end by deletion, not by rewrite (DESIGN.md, "The end state").
# This performs that deletion on a temporary copy, exactly as the real retirement will
# (README "Retiring Flask"), and runs the surviving checks there:
#   1. delete legacy_flask/, cutover/, parity_tests/, gateway.py and the tests that only
#      make sense with two stacks or with the gateway (list below, each with its reason);
#   2. strip the `# >>> migration-only` ... `# <<< migration-only` blocks of pyproject.toml
#      (the import contracts and root packages naming the deleted rooms);
#   3. drop Flask, Flask-*, Werkzeug, gunicorn and a2wsgi from the requirements, build a
#      virtualenv from them (the test tools without schemathesis, which needs Werkzeug)
#      and check that none of those packages can be imported;
#   4. point the entry points (Dockerfile, docker-compose.yml, scripts/serve.sh, the
#      replicas of scripts/nginx_check.sh) at `fastapi_app.main:app`;
#   5. ruff, lint-imports, then pytest tests/api tests/services tests/shared_models
#      tests/scheduler tests/fastapi_app tests/hardening tests/deploy against the FastAPI
#      app alone, on `/api` (stack `main`) and `/api/v2` (stack `main-v2`; the hardening
#      tests drive `fastapi_app.main` on both prefixes), on SQLite; then uvicorn serves the
#      app and answers `/api/health` and `/api/v2/health`;
#   6. only then schemathesis (a test tool that needs Werkzeug) joins the virtualenv, for
#      the hardening fuzz of `/api` and `/api/v2` (tests/hardening/test_fuzz.py).
# The copy is deleted afterwards (RETIRE_KEEP=1 keeps it and prints where).
# Cost: ~1 min of pip (from its cache), then the tests: one core for about 6 min.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/retired-XXXXXX")"
cleanup() {
    if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    if [ "${RETIRE_KEEP:-0}" = 1 ]; then echo "retire_flask: copy kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
say() { echo "retire_flask: $*"; }

# The tracked files (and new, not ignored ones) as they are in the work tree.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) \
    | (cd "$ROOT" && xargs -0 tar --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$WORK"
cd "$WORK"

# 1. The rooms that exist only for the migration, and their tests.
rm -rf legacy_flask cutover parity_tests gateway.py tests/migration tests/cutover
say "deleted legacy_flask/ cutover/ parity_tests/ gateway.py tests/migration/ tests/cutover/"
# Tools that measure or start the gateway go with it. tests/hardening and tests/deploy stay:
# they drive whatever app serves /api and /api/v2 (tests/stacks.py: here fastapi_app.main)
# and check the compose file the entry-point rewrite below leaves; scripts/nginx_check.sh
# stays too, its replicas rewritten below (its live tests are skipped in a pytest pass).
rm -rf bench scripts/cluster_check.sh scripts/cluster_check.py
# Any other test module that still reaches a deleted room (e.g. a live `uvicorn gateway:app`
# through tests/live_gateway.py) is a migration test living in the wrong folder: it goes
# too, named here so the list stays visible.
leftovers="$(grep -rlE '^[[:space:]]*(from|import) (gateway|cutover|legacy_flask|parity_tests|flask|tests\.live_gateway)\b' \
    tests --include='*.py' | grep -vE '^tests/(conftest|stacks)\.py$' || true)"
for module in $leftovers; do
    say "deleted $module: it imports a room that retiring Flask deletes"
    rm -f "$module"
done
say "deleted bench/ and scripts/cluster_check.* (they measure or start the gateway)"

# 2. The migration-only import contracts and root packages.
sed -i '/^[[:space:]]*# >>> migration-only[[:space:]]*$/,/^[[:space:]]*# <<< migration-only[[:space:]]*$/d' pyproject.toml
if grep -Eq 'legacy_flask|cutover|parity_tests|"gateway"' pyproject.toml; then
    say "pyproject.toml still names a deleted room"; exit 1
fi

# 3. Requirements without Flask's packages, and a virtualenv built from them.
sed -i -E '/^[[:space:]]*(flask|flask-[a-z0-9_-]+|werkzeug|gunicorn|a2wsgi)[[:space:]]*([=<>~!;[]|$)/Id' \
    requirements.txt requirements-dev.txt
if grep -Eiq '^[[:space:]]*(flask|werkzeug|gunicorn|a2wsgi)' requirements.txt requirements-dev.txt; then
    say "a Flask package is still required"; exit 1
fi
# playwright drove the ops console's browser tests only (cutover/console): it goes too.
sed -i -E '/^[[:space:]]*playwright[[:space:]]*([=<>~!;[]|$)/Id' requirements-dev.txt
python3 -m venv .venv
. .venv/bin/activate
# The test tools, but not schemathesis yet: it depends on Werkzeug itself (a tool's own need,
# not the app's), and this virtualenv proves the app and its tests run without Werkzeug.
grep -Ev '^[[:space:]]*(-r|schemathesis)' requirements-dev.txt >"$WORK/test-tools.txt"
grep -E '^[[:space:]]*schemathesis' requirements-dev.txt >"$WORK/fuzz-tools.txt"
pip install --quiet --disable-pip-version-check -r requirements.txt -r "$WORK/test-tools.txt"
for module in flask flask_sqlalchemy flask_jwt_extended flask_cors flask_mail werkzeug a2wsgi gunicorn; do
    if python -c "import $module" 2>/dev/null; then
        say "$module is importable in the retired virtualenv"; exit 1
    fi
done
say "virtualenv without Flask, Flask-*, Werkzeug, gunicorn, a2wsgi"

# 4. The entry points name the FastAPI app.
sed -i 's/gateway:app/fastapi_app.main:app/g' Dockerfile docker-compose.yml scripts/serve.sh scripts/nginx_check.sh
sed -i 's/"gateway:app"/"fastapi_app.main:app"/g' Dockerfile
if grep -rq 'gateway:app' Dockerfile docker-compose.yml scripts/serve.sh scripts/nginx_check.sh; then
    say "an entry point still names gateway:app"; exit 1
fi

# 5. What remains, alone.
ruff check .
lint-imports --no-cache
export TEST_STACKS=main,main-v2
python -m pytest -p no:cacheprovider --ignore=tests/hardening/test_fuzz.py \
    tests/api tests/services tests/shared_models tests/scheduler tests/fastapi_app tests/hardening tests/deploy

DATA="$(mktemp -d "$WORK/serve-XXXXXX")"
PORT="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATABASE_URL="sqlite:///$DATA/app.db" SCHEDULER_ENABLED=true SCHEDULER_LOCK_PATH="$DATA/scheduler.lock" \
    MAIL_ENABLED=false APP_ENV=development \
    uvicorn fastapi_app.main:app --host 127.0.0.1 --port "$PORT" >"$DATA/uvicorn.log" 2>&1 &
SERVER_PID=$!
python - "$PORT" <<'EOF'
"""Both prefixes answer the same health body from the one FastAPI process, whose
lifespan has started the scheduler (it becomes the leader: it is the only candidate)."""
import json
import sys
import time
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(300):  # up to ~30 s for migrations and start-up
    try:
        legacy = urllib.request.urlopen(f"{base}/api/health", timeout=5)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("retire_flask: uvicorn fastapi_app.main:app did not answer")
for _ in range(300):  # the candidate takes the leader lock within a poll or two
    legacy_body = json.load(urllib.request.urlopen(f"{base}/api/health", timeout=5))
    if legacy_body["scheduler_running"]:
        break
    time.sleep(0.1)
v2 = urllib.request.urlopen(f"{base}/api/v2/health", timeout=5)
v2_body = json.load(v2)
assert legacy.status == v2.status == 200, (legacy.status, v2.status)
assert legacy_body == v2_body, (legacy_body, v2_body)
assert legacy_body["database"] == "ok" and legacy_body["scheduler_running"] is True, legacy_body
print("retire_flask: uvicorn fastapi_app.main:app answers /api/health and /api/v2/health:", legacy_body)
EOF
kill "$SERVER_PID" 2>/dev/null || true
SERVER_PID=

# 6. The fuzz needs schemathesis, which brings Werkzeug: installed only now, after the app
# and every other test have run without it. Its budget is the main runs' knob at the
# PostgreSQL pass's value, 500 requests per prefix: the SQLite pass's 5,000 took 4.8 min
# of one core here for both prefixes, twice what this whole pass may add.
pip install --quiet --disable-pip-version-check -r "$WORK/fuzz-tools.txt"
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-500}" python -m pytest -p no:cacheprovider tests/hardening/test_fuzz.py
say "passed: the FastAPI app stands alone"
