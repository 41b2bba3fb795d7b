#!/usr/bin/env bash
# Make sure Debian's nginx is at /usr/sbin/nginx for `make serve` and the production tests
# (idempotent). Only the binary is needed: `make serve` runs it as the current user with its own
# prefix, config, pid and logs in a temporary directory; the package's own service is left off.
set -euo pipefail
if [ -x /usr/sbin/nginx ]; then
    exit 0
fi
. "$(dirname "$0")/apt_install.sh"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
# the package's post-install script starts the system nginx on port 80 unless told not to
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt_install nginx
test -x /usr/sbin/nginx
