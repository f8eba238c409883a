#!/usr/bin/env bash
# Set up a virtualenv from the project's own files and run the whole test suite:
# lint, then every test on SQLite, then again on the local PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
. .venv/bin/activate
pip install --quiet --upgrade pip
pip install --quiet -r requirements-dev.txt

ruff check .
python -m pytest "$@"
TEST_DATABASE=postgresql python -m pytest "$@"
# nginx in front of two live gateway replicas (tests/deploy/test_nginx_live.py).
bash scripts/nginx_check.sh
