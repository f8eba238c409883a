#!/usr/bin/env bash
# Set up a virtualenv and serve the API on the embedded default: one process, one
# SQLite file under instance/, migrations and seed data applied at start-up, the
# scheduler running inside the same process (the gateway serves /api and /api/v2).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
. .venv/bin/activate
pip install --quiet --upgrade pip
pip install --quiet -r requirements.txt

exec uvicorn gateway:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
