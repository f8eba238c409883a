#!/usr/bin/env bash
# Debian's chromium for the console's browser tests (tests/cutover/console/browser/).
# Playwright drives it through `executable_path`; no browser is ever downloaded by
# Playwright itself. Installs the package when missing (root), then prints its path.
# Without root and without chromium the browser tests skip themselves.
set -euo pipefail

CHROMIUM="$(command -v chromium || true)"
if [ -z "$CHROMIUM" ] && [ -x /usr/bin/chromium ]; then
    CHROMIUM=/usr/bin/chromium
fi
if [ -z "$CHROMIUM" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "chromium_install: chromium is not installed (apt-get install chromium as root)" >&2
        exit 0
    fi
    echo "chromium_install: installing chromium from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >/dev/null
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core </dev/null >/dev/null
    CHROMIUM="$(command -v chromium || echo /usr/bin/chromium)"
fi
echo "$CHROMIUM"
