#!/usr/bin/env bash
# Parity evidence on both databases, side by side (one core each): the corpus and the
# differential fuzz (fixed seed) on SQLite and on PostgreSQL. Reports (JSON, Markdown,
# JUnit XML) land in reports/. Exit 1 on any divergence. Called by scripts/test.sh.
#   PARITY_FUZZ_COUNT        SQLite fuzz requests (default 10000)
#   PARITY_FUZZ_PG_COUNT     PostgreSQL fuzz requests (default 2000: the same generator,
#                            the database-specific part is what differs)
#   PARITY_FUZZ_DEEP=1       deep mode (200,000 requests per pass unless counts are given)
#   TEST_POSTGRES_URL        the server's admin database (default postgresql://postgres@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] && PY=.venv/bin/python || PY=python3
mkdir -p reports
scratch=$(mktemp -d)
pg_admin=${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
pg_db="parity_check_$$"
pg_url="${pg_admin%/*}/$pg_db"
deep_count=""
if [ "${PARITY_FUZZ_DEEP:-}" = "1" ]; then deep_count=200000; fi
sqlite_count=${PARITY_FUZZ_COUNT:-${deep_count:-10000}}
pg_count=${PARITY_FUZZ_PG_COUNT:-${deep_count:-2000}}

cleanup() {
    rm -rf "$scratch"
    "$PY" -m parity_tests.pgdb drop "$pg_admin" "$pg_db" || true
}
trap cleanup EXIT
"$PY" -m parity_tests.pgdb create "$pg_admin" "$pg_db"

pass() {  # backend database-url fuzz-count
    local status=0
    nice "$PY" -m parity_tests run --no-store --database-url "$2" --report "reports/parity-corpus-$1.json" || status=1
    nice "$PY" -m parity_tests fuzz --count "$3" --database-url "$2" --report "reports/parity-fuzz-$1.json" \
        --coverage-from "reports/parity-corpus-$1.json" || status=1
    return $status
}

started=$(date +%s)
pass sqlite "sqlite:///$scratch/parity.db" "$sqlite_count" >reports/parity-sqlite.log 2>&1 &
sqlite_pass=$!
pass postgresql "$pg_url" "$pg_count" >reports/parity-postgresql.log 2>&1 &
pg_pass=$!
failed=0
wait "$sqlite_pass" || failed=1
wait "$pg_pass" || failed=1
for backend in sqlite postgresql; do
    echo "=== parity on $backend"
    grep -E "^(GREEN|RED)|^- |^    " "reports/parity-$backend.log" || cat "reports/parity-$backend.log"
done
echo "parity check: $(( $(date +%s) - started )) s"
exit $failed
