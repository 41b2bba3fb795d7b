#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests (idempotent).
# Runs as root in CI; never calls `playwright install`.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
. "$(dirname "$0")/apt_install.sh"
apt_install chromium
test -x /usr/bin/chromium
