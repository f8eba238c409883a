#!/usr/bin/env bash
# Set up a virtualenv and serve the API on the embedded default: one process, one
# SQLite file under instance/, migrations and seed data applied at start-up.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
. .venv/bin/activate
pip install --quiet --upgrade pip
pip install --quiet -r requirements.txt

exec python -m flask --app "legacy_flask:create_app()" run --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
